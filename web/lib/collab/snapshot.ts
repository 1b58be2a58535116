/**
 * Where a provider is in its life (DESIGN C2–C7):
 * - `idle`: not asked to connect (or disconnected).
 * - `connecting`: loading local state, looking up the owner, opening a socket or syncing.
 * - `waiting`: backing off before the next attempt (`retryAt`).
 * - `offline`: the browser reports no network; reconnects when it is back.
 * - `synced`: connected to a node and in sync.
 * - `stopped`: the node refused this tab for good (bad request, forbidden, too big).
 * - `upgrade-required`: this build is too old (C6).
 * - `recovery-required`: the document was re-created under another generation (M7).
 */
export type ProviderPhase =
  | 'idle'
  | 'connecting'
  | 'waiting'
  | 'offline'
  | 'synced'
  | 'stopped'
  | 'upgrade-required'
  | 'recovery-required';

/** An immutable picture of a provider, replaced on every change (for `useSyncExternalStore`). */
export interface ProviderSnapshot {
  readonly phase: ProviderPhase;
  /** What this tab may do (P21): from its ticket and HELLO; `null` while unknown (or no access control). */
  readonly permission: 'edit' | 'view' | null;
  /** Node serving this connection (from HELLO), `null` before one. */
  readonly node: string | null;
  /** Content messages sent on this connection and not yet acknowledged as durable (C4). */
  readonly pending: number;
  /** True once the node acknowledged at least one content message of this connection. */
  readonly acked: boolean;
  /** Local changes exist that no node has acknowledged yet (kept in IndexedDB meanwhile). */
  readonly unsynced: boolean;
  /** Highest ring epoch seen (route look-up, HELLO, REDIRECT). */
  readonly epoch: number;
  readonly generation: string | null;
  /** Redirects followed since the page loaded. */
  readonly redirects: number;
  /** Epoch ms of the next attempt while `waiting`. */
  readonly retryAt: number | null;
  /** Why the last socket closed, for the status line's tooltip. */
  readonly lastClose: { readonly code: number; readonly reason: string } | null;
  /** Set in `upgrade-required`. */
  readonly upgrade: { readonly minBuild: string; readonly message: string } | null;
  /** Human-readable reason in `stopped` / `recovery-required`. */
  readonly error: string | null;
}

export const INITIAL_SNAPSHOT: ProviderSnapshot = Object.freeze({
  phase: 'idle',
  permission: null,
  node: null,
  pending: 0,
  acked: false,
  unsynced: false,
  epoch: 0,
  generation: null,
  redirects: 0,
  retryAt: null,
  lastClose: null,
  upgrade: null,
  error: null,
});

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
