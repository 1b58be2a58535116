import {
  decodeServerFrame,
  encodeTicket,
  formatConnectPath,
  type Hello,
  type Notice,
  PROTOCOL_VERSION,
  type Redirect,
  type ServerFrame,
  type UpgradeRequired,
} from '../server/protocol/index.ts';
import type { Backoff } from './backoff.ts';
import type { Cancel, Clock } from './clock.ts';
import { type CloseDecision, decideOnClose } from './close-action.ts';
import { createEmitter } from './emitter.ts';
import { type MaybePromise, whenSettled } from './maybe-async.ts';
import { createRedirectPolicy, type MemberLookup, type RedirectPolicy } from './redirect-policy.ts';
import type { ClientSocket, OpenSocket } from './socket.ts';
import { type ClientState, FINAL_PHASES, INITIAL_CLIENT_STATE } from './state.ts';
import { createTicketKeeper, type TicketKeeper, type TicketSource } from './tickets.ts';

/** Frames a connection hands to its document parts (everything but the control messages). */
export type SessionFrame = Extract<
  ServerFrame,
  { type: 'sync-step1' | 'sync-step2' | 'sync-update' | 'awareness' | 'query-awareness' | 'ack' }
>;

/** One socket and what was learnt on it; replaced wholesale on every reconnect. */
export interface Session {
  /** Increases with every socket the connection opens. */
  readonly id: number;
  /** Base URL of the node (`ws://host:port`). */
  readonly url: string;
  /** The accepted HELLO; `null` before it (a ringdoc client sends no content until then, P9). */
  readonly hello: Hello | null;
  /** True once the document part reported the first SyncStep2 ({@link Connection.markSynced}). */
  readonly synced: boolean;
  /** Sends one frame; `false` when the socket is not open (nothing sent). */
  send(frame: Uint8Array): boolean;
}

/** A document part (sync, awareness) plugged into a connection; every hook is optional. */
export interface SessionHandler {
  /** A socket is being opened (its frames will follow). */
  started?(session: Session): void;
  /** The socket is open and the ticket (if any) was sent: send the opening frames. */
  opened?(session: Session): void;
  /** A HELLO was accepted (generation checked, M7). */
  hello?(session: Session, hello: Hello): void;
  /** A non-control frame arrived on the current socket. */
  frame?(session: Session, frame: SessionFrame): void;
  /** The session synced (first SyncStep2). */
  synced?(session: Session): void;
  /** The session ended (closed by either side, or replaced); it receives nothing more. */
  ended?(session: Session): void;
}

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
  /** A REDIRECT was not followed (unknown member, or too many in a row); the client backs off. */
  'redirect-refused': [refusal: { target: Redirect; reason: string }];
  /** Something a correct node never sends (undecodable frame, implausible ACK, unappliable update). */
  fault: [message: string];
  /** Diagnostics (retries, failed look-ups, send errors). */
  warning: [message: string];
};

export interface ConnectionOptions {
  /** Document id (PROTOCOL.md P7); an invalid one stops the connection at its first attempt. */
  readonly docId: string;
  /** Client build sent as `build` (C6); absent: none sent. */
  readonly build?: string;
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

interface SessionRecord extends Session {
  hello: Hello | null;
  synced: boolean;
  readonly socket: { current: ClientSocket | null };
  notice: Notice | null;
  redirect: Redirect | null;
  upgrade: UpgradeRequired | null;
  liveness: Cancel | null;
}

/** Creates a connection; see {@link Connection}. */
export function createConnection(options: ConnectionOptions): Connection {
  const clock = options.clock;
  const emitter = createEmitter<ConnectionEvents>();
  const redirects = options.redirects ?? createRedirectPolicy();
  const livenessMs = options.livenessTimeoutMs ?? 30_000;
  const maxReauths = options.maxReauths ?? 3;
  const isOnline = options.isOnline ?? (() => true);
  let handlers: SessionHandler[] = [];
  let state: ClientState = Object.freeze({
    ...INITIAL_CLIENT_STATE,
    epoch: options.epoch ?? 0,
  });
  let current: SessionRecord | null = null;
  let wanted = false;
  let destroyed = false;
  /** Increments whenever a pending start/timer must be abandoned. */
  let attemptNo = 0;
  let sessionNo = 0;
  let retryTimer: Cancel | null = null;
  let nextUrl: string | null = null;
  let prepared = options.prepare === undefined;
  let reauths = 0;

  const patch = (p: Partial<ClientState>) => {
    state = Object.freeze({ ...state, ...p });
    emitter.emit('state', state);
  };
  const warn = (message: string) => emitter.emit('warning', message);
  const fault = (message: string) => emitter.emit('fault', message);
  const isFinal = () => FINAL_PHASES.has(state.phase);
  const each = (fn: (h: SessionHandler) => void) => {
    for (const h of [...handlers]) fn(h);
  };

  const keeper: TicketKeeper | null = options.tickets
    ? createTicketKeeper(
        { source: options.tickets, clock },
        {
          granted(grant) {
            if (grant && grant.perm !== state.permission) patch({ permission: grant.perm });
          },
          denied(error) {
            dropSession(1000, 'access revoked');
            finish('stopped', {
              error: `Your access to this document was revoked (${error.message}).`,
            });
          },
          renewed(ticket) {
            if (current?.hello) current.send(encodeTicket(ticket));
          },
          failed: warn,
          active: () => wanted && !destroyed,
        },
      )
    : null;

  // ---- connecting -------------------------------------------------------------------------

  function start(): void {
    const attempt = ++attemptNo;
    const stale = () => attempt !== attemptNo || !wanted;
    patch({ phase: 'connecting', retryAt: null });
    if (!prepared && options.prepare) {
      const done = () => {
        prepared = true;
        if (!stale()) afterPrepare(stale);
      };
      whenSettled(options.prepare(), done, (error) => {
        warn(`preparing failed: ${(error as Error).message}`);
        done();
      });
      return;
    }
    afterPrepare(stale);
  }

  function afterPrepare(stale: () => boolean): void {
    if (!isOnline()) {
      patch({ phase: 'offline' });
      return;
    }
    const redirected = nextUrl;
    nextUrl = null;
    const withUrl = (url: string | null) => {
      if (stale()) return;
      if (url === null) {
        scheduleRetry(undefined, 'no reachable owner');
        return;
      }
      if (keeper && !keeper.isFresh()) {
        void keeper.fetch().then((outcome) => {
          if (stale()) return;
          if (outcome !== 'ok') {
            nextUrl = url;
            if (outcome === 'denied') return;
            scheduleRetry(undefined, 'could not get an access ticket');
            return;
          }
          open(url);
        });
        return;
      }
      open(url);
    };
    if (redirected !== null) {
      withUrl(redirected);
      return;
    }
    whenSettled(options.resolve(), withUrl, (error) => {
      warn(`owner look-up failed: ${(error as Error).message}`);
      withUrl(null);
    });
  }

  function open(baseUrl: string): void {
    const expected = options.expectedGeneration?.() ?? null;
    let path: string;
    try {
      path = formatConnectPath({
        docId: options.docId,
        ...(options.build !== undefined ? { build: options.build } : {}),
        proto: PROTOCOL_VERSION,
        ...(state.epoch > 0 ? { epoch: state.epoch } : {}),
        ...(expected ? { generation: expected } : {}),
      });
    } catch (error) {
      finish('stopped', { error: (error as Error).message });
      return;
    }
    const url = `${baseUrl}${path}`;
    const socketRef: { current: ClientSocket | null } = { current: null };
    const session: SessionRecord = {
      id: ++sessionNo,
      url: baseUrl,
      hello: null,
      synced: false,
      socket: socketRef,
      notice: null,
      redirect: null,
      upgrade: null,
      liveness: null,
      send: (frame) => socketRef.current?.send(frame) ?? false,
    };
    try {
      socketRef.current = options.openSocket(url, {
        onOpen() {
          if (current !== session) return;
          touch(session);
          if (keeper?.grant) session.send(encodeTicket(keeper.grant.ticket));
          each((h) => h.opened?.(session));
        },
        onMessage(frame) {
          if (current !== session) return;
          touch(session);
          receive(session, frame);
        },
        onClose(code, reason) {
          if (current !== session) return;
          onClose(session, code, reason);
        },
      });
    } catch (error) {
      warn(`cannot open ${url}: ${(error as Error).message}`);
      scheduleRetry(undefined, 'socket could not be opened');
      return;
    }
    current = session;
    patch({ phase: 'connecting', node: null, pending: 0, acked: false });
    each((h) => h.started?.(session));
    emitter.emit('opening', url);
  }

  /** Restarts the liveness timer: a socket silent for too long is replaced. */
  function touch(session: SessionRecord): void {
    if (livenessMs <= 0) return;
    session.liveness?.();
    session.liveness = clock.after(livenessMs, () => {
      if (current !== session) return;
      warn('no message from the node for too long; reconnecting');
      onClose(session, 4000, 'liveness timeout');
      session.socket.current?.close(4000, 'liveness timeout');
    });
  }

  // ---- receiving --------------------------------------------------------------------------

  function receive(session: SessionRecord, bytes: Uint8Array): void {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(bytes);
    } catch (error) {
      fault(`malformed frame from the node: ${(error as Error).message}`);
      replace(session, 'malformed frame');
      return;
    }
    switch (frame.type) {
      case 'hello':
        onHello(session, frame);
        return;
      case 'redirect':
        session.redirect = { owner: frame.owner, url: frame.url, epoch: frame.epoch };
        if (frame.epoch > state.epoch) patch({ epoch: frame.epoch });
        return;
      case 'upgrade-required':
        session.upgrade = { minBuild: frame.minBuild, message: frame.message };
        return;
      case 'notice':
        session.notice = {
          code: frame.code,
          reason: frame.reason,
          ...(frame.retryAfterMs !== undefined ? { retryAfterMs: frame.retryAfterMs } : {}),
        };
        return;
      default:
        for (const h of [...handlers]) {
          if (current !== session) return;
          h.frame?.(session, frame);
        }
    }
  }

  function onHello(session: SessionRecord, hello: Hello): void {
    if (hello.epoch > state.epoch) patch({ epoch: hello.epoch });
    const expected = options.expectedGeneration?.() ?? null;
    if (expected !== null && expected !== hello.generation) {
      // M7: never merge local state into a re-created document.
      dropSession(1000, 'generation mismatch');
      emitter.emit('generation-mismatch', {
        expected,
        actual: hello.generation,
        node: hello.node,
      });
      if (options.onGenerationMismatch === 'retry') {
        scheduleRetry(undefined, 'generation mismatch');
        return;
      }
      finish('recovery-required', {
        error: `The document was re-created on the server (generation ${hello.generation}, this tab holds ${expected}).`,
      });
      return;
    }
    session.hello = hello;
    patch({
      node: hello.node,
      generation: hello.generation,
      ...(hello.perm && hello.perm !== state.permission ? { permission: hello.perm } : {}),
    });
    each((h) => h.hello?.(session, hello));
    emitter.emit('hello', hello, session);
  }

  function markSynced(session: Session): void {
    const record = current;
    if (record === null || record !== session || record.synced) return;
    record.synced = true;
    reauths = 0;
    options.backoff.reset();
    redirects.reset();
    each((h) => h.synced?.(record));
    emitter.emit('synced', record);
  }

  // ---- closing ----------------------------------------------------------------------------

  /** Forgets the current socket (its later events are ignored) and closes it. */
  function dropSession(code: number, reason: string): void {
    const session = current;
    if (!session) return;
    current = null;
    endSession(session);
    session.socket.current?.close(code, reason);
  }

  /** Local bookkeeping when a session ends, whoever ended it. */
  function endSession(session: SessionRecord): void {
    session.liveness?.();
    session.liveness = null;
    each((h) => h.ended?.(session));
    emitter.emit('ended', session, session.synced);
    patch({ pending: 0, acked: false, node: null });
  }

  function replace(session: Session, reason: string): void {
    if (current === null || current !== session) return;
    dropSession(4000, reason);
    scheduleRetry(undefined, reason);
  }

  function onClose(session: SessionRecord, code: number, reason: string): void {
    current = null;
    endSession(session);
    patch({ lastClose: { code, reason } });
    if (!wanted) {
      patch({ phase: 'idle' });
      return;
    }
    const decision = decideOnClose({
      code,
      reason,
      notice: session.notice,
      redirect: session.redirect,
      upgrade: session.upgrade,
    });
    emitter.emit('closed', { code, reason, url: session.url, decision });
    // "In a row" (C3): any close other than a redirect ends the chain.
    if (decision.kind !== 'redirect') redirects.reset();
    switch (decision.kind) {
      case 'redirect':
        followRedirect(decision.target);
        return;
      case 'retry':
        scheduleRetry(decision.retryAfterMs, decision.reason);
        return;
      case 'stop':
        finish('stopped', { error: decision.reason });
        return;
      case 'upgrade':
        finish('upgrade-required', {
          upgrade: { minBuild: decision.minBuild, message: decision.message },
        });
        return;
      case 'recover':
        finish('recovery-required', { error: decision.reason });
        return;
      case 'reauth':
        keeper?.forget();
        reauths++;
        if (reauths > maxReauths) {
          finish('stopped', { error: `Access refused: ${decision.reason}` });
          return;
        }
        scheduleRetry(undefined, decision.reason);
        return;
    }
  }

  function followRedirect(target: Redirect): void {
    const attempt = ++attemptNo;
    const conclude = (refreshed: boolean) => {
      const decision = redirects.decide(target, options.knownMember, refreshed);
      if (decision.kind === 'refresh') {
        if (!options.refreshMembers) {
          conclude(true);
          return;
        }
        patch({ phase: 'connecting' });
        const again = () => {
          if (attempt === attemptNo && wanted) conclude(true);
        };
        whenSettled(options.refreshMembers(), again, (error) => {
          warn(`member refresh failed: ${(error as Error).message}`);
          again();
        });
        return;
      }
      if (decision.kind === 'follow') {
        patch({ redirects: state.redirects + 1 });
        nextUrl = decision.url;
        start();
        return;
      }
      warn(decision.reason);
      emitter.emit('redirect-refused', { target, reason: decision.reason });
      redirects.reset();
      scheduleRetry(undefined, decision.reason);
    };
    conclude(false);
  }

  function scheduleRetry(retryAfterMs: number | undefined, reason: string): void {
    cancelRetry();
    if (!wanted || destroyed) return;
    if (!isOnline()) {
      patch({ phase: 'offline', retryAt: null });
      return;
    }
    const delay = options.backoff.next(retryAfterMs);
    const attempt = ++attemptNo;
    patch({ phase: 'waiting', retryAt: clock.now() + delay });
    retryTimer = clock.after(delay, () => {
      retryTimer = null;
      if (attempt !== attemptNo) return;
      start();
    });
    if (reason) warn(`reconnecting in ${delay} ms (${reason})`);
  }

  function cancelRetry(): void {
    retryTimer?.();
    retryTimer = null;
  }

  function finish(
    phase: 'stopped' | 'upgrade-required' | 'recovery-required',
    p: Partial<ClientState>,
  ): void {
    wanted = false;
    attemptNo++;
    cancelRetry();
    keeper?.cancel();
    patch({ ...p, phase, retryAt: null });
  }

  function disconnect(reason = 'client disconnect'): void {
    wanted = false;
    attemptNo++;
    cancelRetry();
    keeper?.cancel();
    dropSession(1000, reason);
    if (!isFinal()) patch({ phase: 'idle', retryAt: null });
  }

  return {
    get state() {
      return state;
    },
    get session() {
      return current;
    },
    get wanted() {
      return wanted;
    },
    use(handler) {
      handlers.push(handler);
      return () => {
        handlers = handlers.filter((h) => h !== handler);
      };
    },
    on: (type, cb) => emitter.on(type, cb),
    off: (type, cb) => emitter.off(type, cb),
    connect() {
      if (destroyed || isFinal()) return;
      wanted = true;
      if (current || retryTimer !== null || state.phase === 'connecting') return;
      start();
    },
    disconnect,
    destroy() {
      if (destroyed) return;
      disconnect();
      destroyed = true;
      handlers = [];
    },
    markSynced,
    replace,
    setOnline(online) {
      if (!wanted) return;
      if (!online) {
        attemptNo++;
        cancelRetry();
        dropSession(1000, 'browser offline');
        patch({ phase: 'offline', retryAt: null });
        return;
      }
      if (current) return;
      options.backoff.reset();
      cancelRetry();
      start();
    },
    patch,
    fault,
    warn,
  };
}
