import type { Hello, Redirect } from '../server/protocol/index.ts';
import type { Backoff } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { CloseDecision } from './close-action.ts';
import type { MaybePromise } from './maybe-async.ts';
import type { MemberLookup, RedirectPolicy } from './redirect-policy.ts';
import type { Session, SessionHandler } from './session.ts';
import type { OpenSocket } from './socket.ts';
import type { ClientState } from './state.ts';
import type { TicketSource } from './tickets.ts';

/** What a connection reports (besides its {@link ClientState}). */
export type ConnectionEvents = {
  /** The state changed (a new frozen object). */
  state: [ClientState];
  /** A socket is being opened to `url` (full URL with path and query). */
  opening: [url: string];
  /** HELLO accepted on `session`. */
  hello: [hello: Hello, session: Session];
  /** `session` synced. */
  synced: [session: Session];
  /** `session` ended; `wasSynced` says whether it had synced. */
  ended: [session: Session, wasSynced: boolean];
  /** The node closed a socket (or it failed) and this is what the client does about it. */
  closed: [close: { code: number; reason: string; url: string; decision: CloseDecision }];
  /** HELLO carried another generation than the one expected (M7); the socket was dropped. */
  'generation-mismatch': [mismatch: { expected: string; actual: string; node: string }];
  /**
   * P11a: the connection switched to a moved document's new owner without being closed (the
   * old node kept serving it until the new one said HELLO).
   */
  moved: [move: { from: string | null; to: string }];
  /** A REDIRECT was not followed (unknown member, or too many in a row); the client backs off. */
  'redirect-refused': [refusal: { target: Redirect; reason: string }];
  /** Something a correct node never sends (undecodable frame, implausible ACK, unappliable update). */
  fault: [message: string];
  /** Diagnostics (retries, failed look-ups, send errors). */
  warning: [message: string];
};

/** What a connection is built from; only `docId`, `clock`, `openSocket`, `resolve`, `knownMember` and `backoff` are required. */
export interface ConnectionOptions {
  /** Document id (PROTOCOL.md P7); an invalid one stops the connection at its first attempt. */
  readonly docId: string;
  /** Client build sent as `build` (C6); absent: none sent. */
  readonly build?: string;
  /**
   * Protocol version announced as `proto` (default `PROTOCOL_VERSION`). Only the test/drill
   * fault `RINGDOC_WEB_FAULT=handshake` changes it (a web build whose handshake nodes refuse).
   */
  readonly protocolVersion?: number;
  /**
   * `false`: ask the node to forward this client to the owner (`follow=0`, C10) instead of
   * redirecting it. Absent: the client follows redirects.
   */
  readonly followsRedirects?: false;
  /**
   * `false`: do not announce `moves=1` (P11a): a moved document's node then closes this client
   * with 4300 at once instead of letting it open the new owner first. Absent: announced.
   */
  readonly movesBeforeClose?: false;
  readonly clock: Clock;
  readonly openSocket: OpenSocket;
  /**
   * Base URL (`ws://host:port`) of the node to connect to when no redirect is pending, e.g.
   * the owner from a route look-up; `null` (or a rejection) when none is known now: the
   * connection backs off and asks again.
   */
  readonly resolve: () => MaybePromise<string | null>;
  /** Whether a REDIRECT target is a member this client may follow (C3). */
  readonly knownMember: MemberLookup;
  /** Refreshes what `knownMember` knows; called once before refusing an unknown target. */
  readonly refreshMembers?: () => MaybePromise<void>;
  /** Reconnect delays (C7); `next(retryAfterMs)` is asked once per failed attempt. */
  readonly backoff: Backoff;
  /** Redirect hop limit (default: at most 5 in a row). */
  readonly redirects?: RedirectPolicy;
  /** Access tickets (P21): fetched before connecting and renewed on the open socket. Absent: none sent. */
  readonly tickets?: TicketSource;
  /** A socket silent this long (ms) is replaced (default 30 000; 0 turns the check off). */
  readonly livenessTimeoutMs?: number;
  /** The generation this client holds (sent as `gen`, checked against HELLO, M7); `null`: none. */
  readonly expectedGeneration?: () => string | null;
  /**
   * On a generation mismatch: `recover` (default) ends in `recovery-required`; `retry` backs
   * off and reconnects (after the `generation-mismatch` listeners reset the document).
   */
  readonly onGenerationMismatch?: 'recover' | 'retry';
  /** Runs once before the first attempt (e.g. loading local state); a rejection is reported and ignored. */
  readonly prepare?: () => MaybePromise<void>;
  /** Whether the network is up (default: always); see {@link Connection.setOnline}. */
  readonly isOnline?: () => boolean;
  /** Consecutive 4401 closes after which the client stops (default 3). */
  readonly maxReauths?: number;
  /** Epoch to start from (default 0). */
  readonly epoch?: number;
  /**
   * Provisional takeover (P30, DESIGN M8): the base URL of another member to try when the
   * node this client was on (or was sent to) is lost — socket died or never opened. The
   * client goes there at once (the first time in a row; later with backoff) naming the lost
   * node as `suspect`, and that member serves it or sends it to the next holder. `lost.node`
   * is `null` when the client never heard from the node (the answer then names it). `null`
   * or absent: plain reconnect.
   */
  /**
   * P30: content sent and no ACK progress for this long (ms) means the node is suspected
   * (paused, partitioned): the socket is replaced as if it had died (close 4000), which
   * triggers the `failover`. Default 0: off.
   */
  readonly ackTimeoutMs?: number;
  /**
   * P30/C7: the delay (ms) before the immediate failover attempt, drawn per loss: a small
   * spread (the web client and the test editors draw 0–250 ms) keeps the clients of a dead
   * node from reconnecting in the same instant. Absent: 0.
   */
  readonly failoverSpreadMs?: () => number;
  readonly failover?: (lost: {
    node: string | null;
    url: string;
    /** P34: nodes already suspected (lost earlier, or the suspects that got this session served). */
    suspects: readonly string[];
  }) => MaybePromise<{ url: string; suspect: string } | null>;
}

/**
 * One client's connection to the node serving a document (DESIGN §3, PROTOCOL.md): resolves
 * where to connect, opens sockets through the injected {@link OpenSocket}, sends the TICKET
 * first (P21), checks HELLO's generation (M7), follows REDIRECTs to known members only (at
 * most 5 in a row, C3), switches on every close code through one table (P15), backs off with
 * the server's retry-after honoured (C7), replaces silent sockets, renews tickets, and ignores
 * every event of a socket it has replaced. Document parts ({@link SessionHandler}) do sync and
 * awareness on top. Nothing happens until `connect()`; errors never escape: they become state
 * changes and events. No timers or randomness of its own: both come from the options.
 */
export interface Connection {
  readonly state: ClientState;
  /** The current socket's session, `null` between sockets. */
  readonly session: Session | null;
  /** Whether the client wants to be connected (between `connect()` and `disconnect()`/a final phase). */
  readonly wanted: boolean;
  /** Plugs in a document part; returns a function that unplugs it. */
  use(handler: SessionHandler): () => void;
  on<K extends keyof ConnectionEvents>(type: K, cb: (...args: ConnectionEvents[K]) => void): void;
  off<K extends keyof ConnectionEvents>(type: K, cb: (...args: ConnectionEvents[K]) => void): void;
  /** Starts (or keeps) connecting. Idempotent; returns at once. Ignored in a final phase. */
  connect(): void;
  /** Closes the socket (1000, `reason`) and stops reconnecting until `connect()`. */
  disconnect(reason?: string): void;
  /** Disconnects for good and drops every listener and handler. */
  destroy(): void;
  /** Marks `session` synced: resets backoff, redirect hops and re-auth count; tells the handlers. */
  markSynced(session: Session): void;
  /** Drops a misbehaving `session` (close 4000) and reconnects with backoff. */
  replace(session: Session, reason: string): void;
  /** Reports the network going down (drops the socket) or up (reconnects at once). */
  setOnline(online: boolean): void;
  /** Changes the state (for document parts: pending/acked/unsynced/phase `synced`). */
  patch(patch: Partial<ClientState>): void;
  /** Emits a `fault` event. */
  fault(message: string): void;
  /** Emits a `warning` event. */
  warn(message: string): void;
}
