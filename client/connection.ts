import {
  encodeTicket,
  formatConnectPath,
  type Hello,
  MAX_SUSPECTS,
  PROTOCOL_VERSION,
  type Redirect,
} from '../server/protocol/index.ts';
import type { Cancel } from './clock.ts';
import { decideOnClose } from './close-action.ts';
import type { Connection, ConnectionEvents, ConnectionOptions } from './connection-types.ts';
import { createEmitter } from './emitter.ts';
import { whenSettled } from './maybe-async.ts';
import { createRedirectPolicy, type RedirectDecision } from './redirect-policy.ts';
import { openSession, type Session, type SessionHandler, type SessionRecord } from './session.ts';
import { type ClientState, FINAL_PHASES, INITIAL_CLIENT_STATE } from './state.ts';
import { createTicketKeeper, type TicketKeeper } from './tickets.ts';

export type { Connection, ConnectionEvents, ConnectionOptions } from './connection-types.ts';
export type { Session, SessionFrame, SessionHandler } from './session.ts';

/** Closes that say the node vanished rather than spoke: abnormal closure, liveness timeout. */
const LOST_CODES = new Set([1006, 4000]);
const isLost = (code: number) => LOST_CODES.has(code);

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
  /** P30: the nodes this client lost, named on every attempt until a socket syncs (P34). */
  let suspects: readonly string[] = [];
  /** P34: the suspects that got the current session served (a provisional holder's clients). */
  let syncedVia: readonly string[] = [];
  /** Failovers since the last sync: only the first one skips the backoff. */
  let failovers = 0;
  /** The node the next socket is meant for (a redirect target), until HELLO names it. */
  let targetNode: string | null = null;
  /**
   * P11a: the socket opened to a moved document's new owner while the current one is still
   * served; it replaces the current one when the new owner says HELLO.
   */
  let successor: SessionRecord | null = null;

  const ackTimeoutMs = options.ackTimeoutMs ?? 0;
  let ackTimer: Cancel | null = null;
  const patch = (p: Partial<ClientState>) => {
    const before = state.pending;
    state = Object.freeze({ ...state, ...p });
    if (p.pending !== undefined) watchAcks(before, p.pending);
    emitter.emit('state', state);
  };
  /** P30: restarts the ACK watch on progress, stops it when nothing is pending. */
  function watchAcks(before: number, pending: number): void {
    if (ackTimeoutMs <= 0) return;
    if (pending === 0 || pending < before) {
      ackTimer?.();
      ackTimer = null;
    }
    if (pending === 0 || ackTimer !== null || current === null) return;
    const session = current;
    ackTimer = clock.after(ackTimeoutMs, () => {
      ackTimer = null;
      if (current !== session) return;
      warn(`no acknowledgement for ${ackTimeoutMs} ms; suspecting the node`);
      onClose(session, 4000, 'acknowledgement timeout');
      session.close(4000, 'acknowledgement timeout');
    });
  }
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

  function open(baseUrl: string, role: 'current' | 'successor' = 'current'): void {
    const expected = options.expectedGeneration?.() ?? null;
    let path: string;
    try {
      path = formatConnectPath({
        docId: options.docId,
        ...(options.build !== undefined ? { build: options.build } : {}),
        proto: options.protocolVersion ?? PROTOCOL_VERSION,
        ...(state.epoch > 0 ? { epoch: state.epoch } : {}),
        ...(expected ? { generation: expected } : {}),
        ...(options.followsRedirects === false ? { followsRedirects: false } : {}),
        ...(suspects.length > 0 && role === 'current' ? { suspect: suspects.join(',') } : {}),
        ...(options.movesBeforeClose === false ? {} : { movesBeforeClose: true }),
      });
    } catch (error) {
      if (role === 'successor') return;
      finish('stopped', { error: (error as Error).message });
      return;
    }
    const url = `${baseUrl}${path}`;
    let session: SessionRecord;
    try {
      session = openSession(
        {
          id: ++sessionNo,
          baseUrl,
          url,
          openSocket: options.openSocket,
          clock,
          livenessMs,
          isCurrent: (s) => current === s || successor === s,
        },
        {
          opened(s) {
            if (keeper?.grant) s.send(encodeTicket(keeper.grant.ticket));
            if (successor === s) return;
            each((h) => h.opened?.(s));
          },
          hello(s, hello) {
            if (successor === s) adoptSuccessor(s, hello);
            else onHello(s, hello);
          },
          redirect(s, r) {
            if (r.epoch > state.epoch) patch({ epoch: r.epoch });
            if (r.graceMs !== undefined && current === s) beginMove(s, r);
          },
          frame(s, frame) {
            for (const h of [...handlers]) {
              if (current !== s) return;
              h.frame?.(s, frame);
            }
          },
          malformed(s, message) {
            if (successor === s) return abandonSuccessor(message);
            fault(message);
            replace(s, 'malformed frame');
          },
          silent(s) {
            if (successor === s) return abandonSuccessor('the new owner is silent');
            warn('no message from the node for too long; reconnecting');
            onClose(s, 4000, 'liveness timeout');
            s.close(4000, 'liveness timeout');
          },
          closed(s, code, reason) {
            if (successor === s) {
              successor = null;
              warn(`moving to the new owner failed (${code} ${reason}); staying until redirected`);
              return;
            }
            onClose(s, code, reason);
          },
        },
      );
    } catch (error) {
      warn(`cannot open ${url}: ${(error as Error).message}`);
      if (role === 'successor') return;
      scheduleRetry(undefined, 'socket could not be opened');
      return;
    }
    if (role === 'successor') {
      successor = session;
      return;
    }
    current = session;
    patch({ phase: 'connecting', node: null, pending: 0, acked: false });
    each((h) => h.started?.(session));
    emitter.emit('opening', url);
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
    targetNode = hello.node;
    patch({
      node: hello.node,
      generation: hello.generation,
      ...(hello.perm && hello.perm !== state.permission ? { permission: hello.perm } : {}),
    });
    each((h) => h.hello?.(session, hello));
    emitter.emit('hello', hello, session);
  }

  // ---- moving before the close (P11a) ------------------------------------------------------

  /**
   * The node said the document moved but keeps serving this socket for a while: open the new
   * owner beside it (a known member only, as for any redirect) and switch once it says HELLO.
   * Anything that goes wrong leaves the current socket alone: its close (4300) then redirects
   * as usual.
   */
  function beginMove(session: SessionRecord, target: Redirect): void {
    if (successor !== null || session.hello === null || !wanted) return;
    const stillWanted = () => current === session && successor === null && wanted;
    decideRedirect(target, stillWanted, (decision) => {
      if (decision.kind !== 'follow') {
        warn(`not moving to ${target.owner}: ${decision.reason}`);
        return;
      }
      const openSuccessor = () => {
        if (stillWanted()) open(decision.url, 'successor');
      };
      if (keeper && !keeper.isFresh()) {
        void keeper.fetch().then((outcome) => {
          if (outcome === 'ok') openSuccessor();
        });
        return;
      }
      openSuccessor();
    });
  }

  /** The new owner said HELLO: it becomes the current socket; the old one is closed (1000). */
  function adoptSuccessor(next: SessionRecord, hello: Hello): void {
    const previous = current;
    successor = null;
    if (previous === null) {
      next.close(1000, 'no longer needed');
      return;
    }
    current = null;
    each((h) => h.ended?.(previous));
    emitter.emit('ended', previous, previous.synced);
    previous.close(1000, 'moved to the new owner');
    current = next;
    // The tab does not see the move: the phase stays (no "Connecting…" between two sockets that
    // both serve it) and "Saved" stays true for what the old owner acknowledged; what was still
    // pending is sent again on the new socket and shows as "Saving…" until its ACK.
    patch({ redirects: state.redirects + 1, node: null, pending: 0 });
    each((h) => h.started?.(next));
    emitter.emit('opening', next.url);
    each((h) => h.opened?.(next));
    emitter.emit('moved', { from: previous.hello?.node ?? null, to: hello.node });
    onHello(next, hello);
  }

  function abandonSuccessor(reason: string): void {
    const s = successor;
    successor = null;
    s?.close(1000, 'abandoned');
    warn(`moving to the new owner failed (${reason}); staying until redirected`);
  }

  function markSynced(session: Session): void {
    const record = current;
    if (record === null || record !== session || record.synced) return;
    record.synced = true;
    reauths = 0;
    syncedVia = suspects;
    suspects = [];
    failovers = 0;
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
    session.close(code, reason);
  }

  /** Local bookkeeping when a session ends, whoever ended it. */
  function endSession(session: SessionRecord): void {
    if (successor !== null && successor !== session) {
      const s = successor;
      successor = null;
      s.close(1000, 'superseded');
    }
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
        if (isLost(code) && tryFailover(session)) return;
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

  /**
   * P30: the socket died (or never opened) without a word from the node: name that node as
   * `suspect` and go to another member — at once the first time since the last sync, after
   * the backoff afterwards. False when there is no `failover`.
   */
  function tryFailover(session: SessionRecord): boolean {
    if (!options.failover) return false;
    const lost = session.hello?.node ?? targetNode;
    targetNode = null;
    const immediate = failovers++ === 0;
    const attempt = ++attemptNo;
    const carried = [...new Set([...syncedVia, ...suspects])];
    syncedVia = [];
    const go = (to: { url: string; suspect: string } | null) => {
      if (attempt !== attemptNo || !wanted || destroyed) return;
      if (to === null) {
        scheduleRetry(undefined, 'node lost and no other member known');
        return;
      }
      // P34: a client served provisionally that loses that holder too names both.
      suspects = [...new Set([...carried, to.suspect])].slice(-MAX_SUSPECTS);
      if (immediate) {
        // Spread over a small window (failoverSpreadMs) so the clients of a dead node do not
        // all reconnect in the same millisecond (C7); still "at once" for a person.
        const spread = Math.max(0, Math.round(options.failoverSpreadMs?.() ?? 0));
        warn(`${to.suspect} lost; trying ${to.url} ${spread > 0 ? `in ${spread} ms` : 'at once'}`);
        nextUrl = to.url;
        if (spread === 0) {
          start();
          return;
        }
        cancelRetry();
        const spreadAttempt = ++attemptNo;
        patch({ phase: 'waiting', retryAt: clock.now() + spread });
        retryTimer = clock.after(spread, () => {
          retryTimer = null;
          if (spreadAttempt === attemptNo && wanted && !destroyed) start();
        });
        return;
      }
      scheduleRetry(undefined, `${to.suspect} lost again`, to.url);
    };
    whenSettled(
      options.failover({ node: lost, url: session.url, suspects: carried }),
      go,
      (error) => {
        warn(`failover look-up failed: ${(error as Error).message}`);
        go(null);
      },
    );
    return true;
  }

  function followRedirect(target: Redirect): void {
    const attempt = ++attemptNo;
    decideRedirect(
      target,
      () => attempt === attemptNo && wanted,
      (decision) => {
        if (decision.kind === 'follow') {
          patch({ redirects: state.redirects + 1 });
          targetNode = decision.owner;
          nextUrl = decision.url;
          start();
          return;
        }
        warn(decision.reason);
        emitter.emit('redirect-refused', { target, reason: decision.reason });
        redirects.reset();
        scheduleRetry(undefined, decision.reason);
      },
      () => patch({ phase: 'connecting' }),
    );
  }

  /**
   * The redirect policy's decision on `target` (C3); a target it does not know is decided again
   * once the member list was refreshed (`refreshing` runs first). `done` gets the final decision
   * unless `stillWanted` turned false during the refresh.
   */
  function decideRedirect(
    target: Redirect,
    stillWanted: () => boolean,
    done: (decision: Exclude<RedirectDecision, { kind: 'refresh' }>) => void,
    refreshing?: () => void,
  ): void {
    const conclude = (refreshed: boolean) => {
      const decision = redirects.decide(target, options.knownMember, refreshed);
      if (decision.kind !== 'refresh') {
        done(decision);
        return;
      }
      if (!options.refreshMembers) {
        conclude(true);
        return;
      }
      refreshing?.();
      const again = () => {
        if (stillWanted()) conclude(true);
      };
      whenSettled(options.refreshMembers(), again, (error) => {
        warn(`member refresh failed: ${(error as Error).message}`);
        again();
      });
    };
    conclude(false);
  }

  function scheduleRetry(retryAfterMs: number | undefined, reason: string, url?: string): void {
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
      if (url !== undefined) nextUrl = url;
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
