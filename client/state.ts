import type { Permission } from '../server/protocol/index.ts';

/**
 * Where a client is in its life (DESIGN C2–C7):
 * - `idle`: not asked to connect (or disconnected).
 * - `connecting`: preparing, looking up the owner, opening a socket or syncing.
 * - `waiting`: backing off before the next attempt (`retryAt`).
 * - `offline`: the environment reports no network; reconnects when it is back.
 * - `synced`: connected to a node and in sync.
 * - `stopped`: the node refused this client for good (bad request, forbidden, too big,
 *   revoked access).
 * - `upgrade-required`: this build is too old (C6).
 * - `recovery-required`: the document was re-created under another generation (M7).
 */
export type ClientPhase =
  | 'idle'
  | 'connecting'
  | 'waiting'
  | 'offline'
  | 'synced'
  | 'stopped'
  | 'upgrade-required'
  | 'recovery-required';

/** The phases a client never leaves by itself (only a new client starts over). */
export const FINAL_PHASES: ReadonlySet<ClientPhase> = new Set([
  'stopped',
  'upgrade-required',
  'recovery-required',
]);

/** An immutable picture of a client, replaced on every change. */
export interface ClientState {
  readonly phase: ClientPhase;
  /** What this client may do (P21): from its ticket and HELLO; `null` while unknown (or no access control). */
  readonly permission: Permission | null;
  /** Node serving this connection (from HELLO), `null` before one. */
  readonly node: string | null;
  /** Content messages sent on this connection and not yet acknowledged as durable (C4). */
  readonly pending: number;
  /** True once the node acknowledged at least one content message of this connection. */
  readonly acked: boolean;
  /** Local changes exist that no node has acknowledged yet. */
  readonly unsynced: boolean;
  /** Highest ring epoch seen (route look-up, HELLO, REDIRECT). */
  readonly epoch: number;
  /** Generation of the document from the last accepted HELLO (M7). */
  readonly generation: string | null;
  /** Redirects followed since the client was created. */
  readonly redirects: number;
  /** Clock time of the next attempt while `waiting`. */
  readonly retryAt: number | null;
  /** Why the last socket closed. */
  readonly lastClose: { readonly code: number; readonly reason: string } | null;
  /** Set in `upgrade-required`. */
  readonly upgrade: { readonly minBuild: string; readonly message: string } | null;
  /** Human-readable reason in `stopped` / `recovery-required`. */
  readonly error: string | null;
}

/** The state of a client that has done nothing yet. */
export const INITIAL_CLIENT_STATE: ClientState = Object.freeze({
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
