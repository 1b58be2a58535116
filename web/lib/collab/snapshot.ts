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
        label: seconds > 0 ? `Reconnecting in ${seconds} s` : 'Reconnecting…',
      };
    }
    default:
      return { state: 'connecting', label: 'Connecting…' };
  }
}

/** Pure: which node serves this tab, e.g. `Connected to node n2`. */
export function describeNode(s: ProviderSnapshot): string {
  if (s.node !== null && (s.phase === 'synced' || s.phase === 'connecting')) {
    return `Connected to node ${s.node}`;
  }
  return 'Not connected';
}
