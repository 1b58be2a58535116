import { describe, expect, it } from 'vitest';
import {
  describeNode,
  describeStatus,
  INITIAL_SNAPSHOT,
  nextCountdownTickMs,
  type ProviderSnapshot,
} from './snapshot.ts';

const at = (patch: Partial<ProviderSnapshot>): ProviderSnapshot => ({
  ...INITIAL_SNAPSHOT,
  ...patch,
});

describe('status line', () => {
  it('[C4] synced with unacknowledged content shows saving, then saved', () => {
    expect(describeStatus(at({ phase: 'synced', node: 'n2', pending: 1 }), 0)).toEqual({
      state: 'saving',
      label: 'Saving…',
    });
    expect(describeStatus(at({ phase: 'synced', node: 'n2', acked: true }), 0)).toEqual({
      state: 'saved',
      label: 'Saved',
    });
  });

  it('[W2] the status names the node serving the tab', () => {
    expect(describeStatus(at({ phase: 'synced', node: 'n3' }), 0).state).toBe('connected');
    expect(describeNode(at({ phase: 'synced', node: 'n3' }))).toBe('Connected to node n3');
    expect(describeNode(at({ phase: 'offline', node: null }))).toBe('Not connected');
  });

  it('[W2] offline says whether edits wait on this device', () => {
    expect(describeStatus(at({ phase: 'offline' }), 0).label).toBe('Offline');
    expect(describeStatus(at({ phase: 'offline', unsynced: true }), 0).state).toBe('offline');
  });

  it('[C7] waiting counts down to the next attempt', () => {
    expect(describeStatus(at({ phase: 'waiting', retryAt: 2500 }), 0).label).toBe(
      'Reconnecting in 3 s',
    );
    expect(describeStatus(at({ phase: 'waiting', retryAt: 0 }), 10).label).toBe('Reconnecting…');
  });

  it('[C6] upgrade-required has its own state', () => {
    expect(describeStatus(at({ phase: 'upgrade-required' }), 0).state).toBe('upgrade-required');
  });

  it('[P30] while reconnecting with unsaved edits it says they are kept on this device', () => {
    expect(
      describeStatus(at({ phase: 'waiting', retryAt: 5000, unsynced: true }), 2500).label,
    ).toBe('Reconnecting in 3 s · edits kept on this device');
    expect(describeStatus(at({ phase: 'connecting', unsynced: true }), 0).label).toBe(
      'Connecting… · edits kept on this device',
    );
    expect(describeStatus(at({ phase: 'connecting' }), 0).label).toBe('Connecting…');
  });

  it('[P30] the countdown ticks when its number changes, following the real attempt', () => {
    expect(nextCountdownTickMs(null, 0)).toBeNull();
    expect(nextCountdownTickMs(1000, 1000)).toBeNull();
    expect(nextCountdownTickMs(3300, 1000)).toBe(300);
    expect(nextCountdownTickMs(3000, 1000)).toBe(1000);
    // Its number after the tick is one less: no jumps.
    const labels: string[] = [];
    for (let now = 0; now !== null && now < 3300; ) {
      labels.push(describeStatus(at({ phase: 'waiting', retryAt: 3300 }), now).label);
      const wait = nextCountdownTickMs(3300, now);
      if (wait === null) break;
      now += wait;
    }
    expect(labels).toEqual([
      'Reconnecting in 4 s',
      'Reconnecting in 3 s',
      'Reconnecting in 2 s',
      'Reconnecting in 1 s',
    ]);
  });
});
