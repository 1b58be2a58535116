import type { RingView } from '../../ring/index.ts';
import type { Provisional } from '../cluster/provisional.ts';
import { DocumentLoadError, type DocumentRegistry } from '../documents/registry.ts';
import type { Room } from '../documents/room.ts';
import type { Session } from '../documents/session.ts';
import type { Logger } from '../log.ts';
import type { NodeMetrics } from '../node-metrics.ts';
import { CloseCode, suspectsOf } from '../protocol/index.ts';
import { decideOwner } from '../routing/owner.ts';
import type { SessionTable } from './sessions.ts';

export interface ClientRouterOptions {
  readonly selfId: string;
  readonly view: () => RingView | null;
  readonly waitForEpoch: (epoch: number, timeoutMs: number) => Promise<boolean>;
  /** How long a client carrying a newer epoch waits for this node's view (C3). */
  readonly epochWaitMs: number;
  readonly registry: DocumentRegistry;
  readonly sessions: SessionTable;
  readonly metrics: NodeMetrics;
  readonly log: Logger;
  /** Called when a session was attached to its room (the simulation traces it). */
  readonly onServe?: (session: Session, room: Room) => void;
  /** Serves a client that does not follow redirects through this node (C10); absent: redirect. */
  readonly forward?: (session: Session) => void;
  /** Rooms no client may open (document metadata, `<docId>/meta`): refused with 4403. */
  readonly hidden?: (docId: string) => boolean;
  /** Provisional takeover (P30, M8) for clients that name a suspect; absent: ignored. */
  readonly provisional?: Provisional;
  /**
   * P33: a client forwarded because only its path to the owner seemed cut is redirected to
   * the owner after this delay (it comes back if the path is still cut). Needs `after`.
   */
  readonly probeBackMs?: number;
  readonly after?: (ms: number, fn: () => void) => void;
  /**
   * P11a: when a document moves, a client that moves before it is closed keeps being served
   * here for up to this long while it opens the new owner (default 0: redirected at once).
   * Needs `timer`.
   */
  readonly moveGraceMs?: number;
  /** Runs `fn` after `ms`; returns a cancel (the node's clock). */
  readonly timer?: (ms: number, fn: () => void) => () => void;
}

/** Where an admitted client goes: served here, redirected to the owner, or told to retry. */
export interface ClientRouter {
  /**
   * The owner decision for an admitted session (C2, C3), then the load (N1). Never rejects:
   * a load failure closes the session with 4503 and any unexpected error with "retry", so a
   * bug in one connection's path cannot take the node down.
   */
  route(session: Session): Promise<void>;
  /**
   * When `view` gives the document another owner: redirects the sessions of `room` that follow
   * redirects (those that move before they are closed are told with a grace, P11a) and moves
   * the others to the forward (C10).
   */
  redirectClients(room: Room, view: RingView): void;
  /** The provisional keeper it routes with (P30), if any. */
  readonly provisional?: Provisional;
}

/** Creates the router of one node. */
export function createClientRouter(options: ClientRouterOptions): ClientRouter {
  const { selfId, registry, metrics, log } = options;

  const routeOnce = async (session: Session) => {
    if (options.hidden?.(session.info.docId)) {
      session.reject(CloseCode.FORBIDDEN, 'document metadata is not served to clients');
      return;
    }
    const wanted = session.info.epoch;
    if (wanted !== undefined && wanted > (options.view()?.epoch ?? 0)) {
      await options.waitForEpoch(wanted, options.epochWaitMs);
    }
    if (session.conn.closed) return;
    const decision = decideOwner(options.view(), selfId, session.info.docId);
    const suspects = suspectsOf(session.info.suspect);
    if (decision.kind === 'redirect' && suspects.length > 0 && options.provisional) {
      const p = options.provisional.decide(session.info.docId, suspects);
      if (p.kind === 'redirect') {
        metrics.redirects.inc();
        session.redirect(p);
        return;
      }
      // P33: forward only to an owner that still answers (it was reached a moment ago, but
      // it may have died since: kill -9 right after a hand-back); else serve provisionally.
      const forward =
        p.kind === 'forward' &&
        options.forward !== undefined &&
        (await options.provisional.confirmReachable(session.info.docId));
      if (session.conn.closed) return;
      if (p.kind === 'forward' && forward && options.forward) {
        options.forward(session);
        if (session.followsRedirects && options.after) {
          options.after(options.probeBackMs ?? 5000, () => {
            if (session.conn.closed) return;
            const now = decideOwner(options.view(), selfId, session.info.docId);
            if (now.kind !== 'redirect') return;
            metrics.redirects.inc();
            session.redirect(now);
          });
        }
        return;
      }
      if (p.kind === 'serve' || (p.kind === 'forward' && options.forward && !forward)) {
        const room = await registry.acquire(session.info.docId);
        if (session.conn.closed) return;
        options.provisional.track(room, p.owner);
        options.onServe?.(session, room);
        session.attach(room);
        return;
      }
    }
    if (decision.kind === 'redirect') {
      if (!session.followsRedirects && options.forward) {
        options.forward(session);
        return;
      }
      metrics.redirects.inc();
      session.redirect(decision);
      return;
    }
    if (decision.kind === 'unavailable') {
      session.reject(CloseCode.RETRY, decision.reason, { retryAfterMs: 1000 });
      return;
    }
    const room = await registry.acquire(session.info.docId);
    if (session.conn.closed) return;
    options.onServe?.(session, room);
    session.attach(room);
  };

  return {
    ...(options.provisional ? { provisional: options.provisional } : {}),
    async route(session) {
      try {
        await routeOnce(session);
      } catch (error) {
        if (error instanceof DocumentLoadError) {
          log.error(error.message, { docId: session.info.docId });
          session.reject(CloseCode.LOAD_FAILED, error.message, { retryAfterMs: 5000 });
          return;
        }
        log.error('unexpected error routing a client; closing it with retry', {
          docId: session.info.docId,
          error,
        });
        session.reject(CloseCode.RETRY, 'internal error; reconnect', { retryAfterMs: 1000 });
      }
    },
    redirectClients(room, view) {
      if (options.provisional?.holds(room)) return;
      const decision = decideOwner(view, selfId, room.docId);
      if (decision.kind !== 'redirect') return;
      for (const session of options.sessions.inRoom(room)) {
        if (!session.followsRedirects && options.forward) {
          // C10: the client stays on its socket; its document is now reached through the owner.
          session.detach();
          options.forward(session);
          continue;
        }
        if (session.moving) continue;
        metrics.redirects.inc();
        if (options.timer && (options.moveGraceMs ?? 0) > 0) {
          session.move(decision, options.moveGraceMs ?? 0, options.timer);
        } else {
          session.redirect(decision);
        }
      }
    },
  };
}
