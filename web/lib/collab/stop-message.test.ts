import { describe, expect, it } from 'vitest';
import { INITIAL_SNAPSHOT, type ProviderSnapshot } from './snapshot.ts';
import { plainStopMessage } from './stop-message.ts';

const stopped = (patch: Partial<ProviderSnapshot>): ProviderSnapshot => ({
  ...INITIAL_SNAPSHOT,
  phase: 'stopped',
  ...patch,
});

describe('plain stop message', () => {
  it('says "access removed" in plain words when a link is revoked, whichever way it shows', () => {
    const byClose = plainStopMessage(
      stopped({
        error: 'the share link of this ticket was revoked',
        lastClose: { code: 4403, reason: 'the share link of this ticket was revoked' },
      }),
    );
    expect(byClose?.title).toBe('Your access was removed.');
    expect(byClose?.detail).not.toMatch(/ticket/);
    const byTicket = plainStopMessage(
      stopped({ error: 'Your access to this document was revoked (403).' }),
    );
    expect(byTicket?.title).toBe('Your access was removed.');
  });

  it('is null while the tab still works', () => {
    expect(plainStopMessage({ ...INITIAL_SNAPSHOT, phase: 'synced' })).toBeNull();
  });

  it('has plain words for other stops too', () => {
    expect(plainStopMessage(stopped({ error: 'bad request' }))?.title).toBe(
      'This tab stopped editing.',
    );
  });
});
