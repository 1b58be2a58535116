import { describe, expect, it } from 'vitest';
import { CloseCode } from '../server/protocol/index.ts';
import { decideOnClose } from './close-action.ts';

describe('close decisions', () => {
  it('[C2] a redirect close with its REDIRECT message follows the target', () => {
    const target = { owner: 'n2', url: 'ws://127.0.0.1:4002', epoch: 7 };
    expect(decideOnClose({ code: CloseCode.REDIRECT, reason: '', redirect: target })).toEqual({
      kind: 'redirect',
      target,
    });
  });

  it('[C2] a redirect close without a target retries through the route look-up', () => {
    expect(decideOnClose({ code: CloseCode.REDIRECT, reason: '' }).kind).toBe('retry');
  });

  it('[C7] retry and load-failed back off, honouring the NOTICE retryAfterMs', () => {
    const notice = { code: CloseCode.RETRY, reason: 'fenced', retryAfterMs: 1000 };
    expect(decideOnClose({ code: CloseCode.RETRY, reason: 'x', notice })).toEqual({
      kind: 'retry',
      retryAfterMs: 1000,
      reason: 'fenced',
    });
    expect(decideOnClose({ code: CloseCode.LOAD_FAILED, reason: 'disk' })).toEqual({
      kind: 'retry',
      reason: 'disk',
    });
  });

  it('[C7] a NOTICE for another code is not applied to this close', () => {
    const notice = { code: CloseCode.RETRY, reason: 'old', retryAfterMs: 9000 };
    expect(decideOnClose({ code: 1006, reason: '', notice })).toEqual({
      kind: 'retry',
      reason: 'connection closed',
    });
  });

  it('[C5][P21] bad-request, forbidden (revoked, read-only) and unknown 44xx codes stop', () => {
    for (const code of [
      CloseCode.BAD_REQUEST,
      CloseCode.FORBIDDEN,
      CloseCode.DOCUMENT_TOO_LARGE,
      4499,
    ]) {
      expect(decideOnClose({ code, reason: 'no' }).kind).toBe('stop');
    }
  });

  it('[P21] unauthorized (ticket refused or expired) fetches a new ticket and reconnects', () => {
    const notice = { code: CloseCode.UNAUTHORIZED, reason: 'ticket expired' };
    expect(decideOnClose({ code: CloseCode.UNAUTHORIZED, reason: 'x', notice })).toEqual({
      kind: 'reauth',
      reason: 'ticket expired',
    });
  });

  it('[P22] rate-limited retries no sooner than the NOTICE says', () => {
    const notice = { code: CloseCode.RATE_LIMITED, reason: 'slow down', retryAfterMs: 2000 };
    expect(decideOnClose({ code: CloseCode.RATE_LIMITED, reason: '', notice })).toEqual({
      kind: 'retry',
      retryAfterMs: 2000,
      reason: 'slow down',
    });
  });

  it('[C5] too-big stops instead of resending the same frame', () => {
    const d = decideOnClose({ code: CloseCode.TOO_BIG, reason: '' });
    expect(d.kind).toBe('stop');
  });

  it('[C6] upgrade-required carries the minimum build', () => {
    expect(
      decideOnClose({
        code: CloseCode.UPGRADE_REQUIRED,
        reason: '',
        upgrade: { minBuild: '2', message: 'too old' },
      }),
    ).toEqual({ kind: 'upgrade', minBuild: '2', message: 'too old' });
  });

  it('[M7] generation-mismatch asks for recovery, never a merge', () => {
    expect(decideOnClose({ code: CloseCode.GENERATION_MISMATCH, reason: '' }).kind).toBe('recover');
  });

  it('[C7] abnormal closes (1006) and normal closes retry', () => {
    expect(decideOnClose({ code: 1006, reason: '' }).kind).toBe('retry');
    expect(decideOnClose({ code: 1000, reason: '' }).kind).toBe('retry');
  });
});
