import { type ClientPhase, type ClientState, INITIAL_CLIENT_STATE } from '../../../client/index.ts';

/** Where a provider is in its life: the `client/` phases (see `ClientPhase`). */
export type ProviderPhase = ClientPhase;

/** An immutable picture of a provider, replaced on every change (for `useSyncExternalStore`). */
export type ProviderSnapshot = ClientState;

/** The snapshot of a provider that has done nothing yet. */
export const INITIAL_SNAPSHOT: ProviderSnapshot = INITIAL_CLIENT_STATE;

/** What the status bar shows (DESIGN W2); `state` goes into `data-state` for tests. */
export type StatusState =
  | 'connecting'
  | 'connected'
  | 'saving'
  | 'saved'
  | 'offline'
  | 'upgrade-required'
  | 'recovery-required'
  | 'error';

export interface StatusView {
  readonly state: StatusState;
  readonly label: string;
}

/**
 * Pure: the status line for a snapshot (the serving node is shown next to it, see
 * {@link describeNode}). `now` only formats the retry countdown.
 */
export function describeStatus(s: ProviderSnapshot, now: number): StatusView {
  switch (s.phase) {
    case 'upgrade-required':
      return { state: 'upgrade-required', label: 'Upgrade required' };
    case 'recovery-required':
      return { state: 'recovery-required', label: 'Document was re-created' };
    case 'stopped':
      return { state: 'error', label: s.error ?? 'Disconnected' };
    case 'offline':
      return {
        state: 'offline',
        label: s.unsynced ? 'Offline · edits kept on this device' : 'Offline',
      };
    case 'synced':
      if (s.pending > 0) return { state: 'saving', label: 'Saving…' };
      if (s.acked) return { state: 'saved', label: 'Saved' };
      return { state: 'connected', label: 'Connected' };
    case 'waiting': {
      const seconds = s.retryAt === null ? 0 : Math.max(0, Math.ceil((s.retryAt - now) / 1000));
      return {
        state: 'connecting',
        label: `${seconds > 0 ? `Reconnecting in ${seconds} s` : 'Reconnecting…'}${kept(s)}`,
      };
    }
    default:
      return { state: 'connecting', label: `Connecting…${kept(s)}` };
  }
}

/** The reassurance shown while edits wait for a node (they are in this tab and IndexedDB). */
function kept(s: ProviderSnapshot): string {
  return s.unsynced ? ' · edits kept on this device' : '';
}

/**
 * Pure: milliseconds until the countdown's number next changes (the next whole second
 * before `retryAt`), so it ticks with the real attempt instead of a free-running interval.
 * `null` when there is nothing to count down.
 */
export function nextCountdownTickMs(retryAt: number | null, now: number): number | null {
  if (retryAt === null || retryAt <= now) return null;
  const left = retryAt - now;
  return left % 1000 || 1000;
}

/** Pure: which node serves this tab, e.g. `Connected to node n2`. */
export function describeNode(s: ProviderSnapshot): string {
  if (s.node !== null && (s.phase === 'synced' || s.phase === 'connecting')) {
    return `Connected to node ${s.node}`;
  }
  return 'Not connected';
}
