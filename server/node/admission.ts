import type { NodeAuth } from '../auth/node-auth.ts';
import type { Connection } from '../documents/connection.ts';
import { Session, type SessionDeps } from '../documents/session.ts';
import type { ClientAddressResolver } from '../limits/cidr.ts';
import type { NodeLimits } from '../limits/node-limits.ts';
import type { Refusal } from '../limits/refusal.ts';
import type { NodeMetrics } from '../node-metrics.ts';
import {
  CloseCode,
  closeReason,
  encodeTicket,
  encodeUpgradeRequired,
  isHocuspocusPath,
  isRoomsPath,
  ProtocolError,
  parseConnectUrl,
  parseDocId,
} from '../protocol/index.ts';
import { checkClient, type GateSettings } from '../routing/version-gate.ts';
import type { SocketHandler, UpgradeInfo } from '../transport/transport.ts';
import { type AckMeter, createAckMeter } from './ack-meter.ts';
import type { ClientBuildMetrics } from './client-builds.ts';
import { createHocuspocusSocket } from './hocuspocus-socket.ts';
import { createRoomSocket } from './room-socket.ts';
import type { SessionTable } from './sessions.ts';

/** Protocol versions a node speaks (C6). */
export interface ProtocolRange {
  readonly min: number;
  readonly max: number;
}

export interface AdmissionOptions {
  readonly limits: NodeLimits;
  /** Who the client is for the per-address limits (`--trusted-proxies`, P22). */
  readonly clientAddress: ClientAddressResolver;
  readonly sessions: SessionTable;
  readonly sessionDeps: SessionDeps;
  readonly metrics: NodeMetrics;
  /** Browser origins allowed to connect; `null`: any. */
  readonly allowedOrigins: readonly string[] | null;
  readonly gate: () => GateSettings;
  readonly protocols: ProtocolRange;
  /** Why this node takes no clients now (stopping, not registered, fenced), or `null`. */
  readonly unavailable: () => string | null;
  /** Access control (P21); `null` when off. */
  readonly auth: NodeAuth | null;
  /** The owner decision and load of an admitted session. */
  readonly route: (session: Session) => void;
  /** Allocates ids of virtual connections (the documents of a Hocuspocus socket). */
  readonly nextConnectionId: () => number;
  /** Per-client-build counters (web build health); absent: not counted. */
  readonly clientBuilds?: ClientBuildMetrics;
  /** The node's clock (ms), for the per-build ack latency; absent: not measured. */
  readonly now?: () => number;
}

/** Admission of client sockets, and the live version gate over the admitted ones. */
export interface Admission {
  /**
   * The transport's `onOpen`: checks, in order, limits, URL, origin, version, node state, ticket.
   * A socket on `/hocuspocus` carries several documents (H1), each admitted the same way.
   */
  open(conn: Connection, upgrade: UpgradeInfo): SocketHandler;
  /** Ops raised the minimum build: tells connected outdated clients to reload (C6). */
  enforceGate(): void;
}

const IGNORE: SocketHandler = { message: () => {}, close: () => {} };

/**
 * The socket handler of one admitted session: state in fields, methods on the prototype (every
 * socket holds one; closures would cost each its own functions and context, issue 14).
 */
class AdmittedHandler implements SocketHandler {
  /** Where frames go instead of the session while access control checks its ticket (P21). */
  receive: ((frame: Uint8Array) => void) | null = null;

  constructor(
    private readonly session: Session,
    private readonly onClosed: (session: Session) => void,
  ) {}

  message(frame: Uint8Array): void {
    if (this.receive) this.receive(frame);
    else this.session.receive(frame);
  }

  close(): void {
    this.onClosed(this.session);
  }
}

/** What watches the session of a build-announcing client (web build health). */
interface BuildWatch {
  /** Its ack latency (ringdoc clients, which announce a protocol version), else `null`. */
  readonly meter: AckMeter | null;
  /** The node closes the session with `code` (a 4400 is a protocol error of its build). */
  closing(code: number): void;
}

/**
 * The connection a session of a build-announcing client talks through, watched by a
 * {@link BuildWatch}: a proxy whose `send` also shows the frame to the ack meter and whose `close`
 * reports the close code; everything else is the connection's own (methods bound to it, so its
 * state stays in one place).
 */
function meteredConnection(conn: Connection, watch: BuildWatch): Connection {
  const { meter } = watch;
  const close = (code: number, reason: string) => {
    if (!conn.closed) watch.closing(code);
    conn.close(code, reason);
  };
  // Bound once per method (the hot path calls `cork` and `send` for every frame).
  const bound = new Map<PropertyKey, unknown>([['close', close]]);
  if (meter) {
    bound.set('send', (frame: Uint8Array) => {
      meter.serverFrame(frame);
      conn.send(frame);
    });
  }
  return new Proxy(conn, {
    get(target, property) {
      const cached = bound.get(property);
      if (cached !== undefined) return cached;
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value.bind(target);
      bound.set(property, method);
      return method;
    },
  });
}

/** `handler` with every client frame shown to `meter` first. */
function meteredHandler(handler: SocketHandler, meter: AckMeter | null): SocketHandler {
  if (!meter) return handler;
  return {
    message: (frame) => {
      meter.clientFrame(frame);
      handler.message(frame);
    },
    close: (code) => handler.close(code),
  };
}

/** Creates the admission of one node. */
export function createAdmission(options: AdmissionOptions): Admission {
  const { limits, sessions, metrics } = options;

  /**
   * The watch of a client that announced a build (web build health), else `null`: its protocol
   * errors (closed 4400 after admission) and, for a ringdoc client (it announces a protocol
   * version), its ack latency.
   */
  const buildWatch = (info: {
    build?: string | undefined;
    proto?: number | undefined;
  }): BuildWatch | null => {
    const { clientBuilds, now } = options;
    if (!clientBuilds || info.build === undefined) return null;
    const build = info.build;
    return {
      meter:
        now && info.proto !== undefined
          ? createAckMeter(now, (seconds) => clientBuilds.acked(build, seconds))
          : null,
      closing(code) {
        if (code === CloseCode.BAD_REQUEST) clientBuilds.protocolError(build);
      },
    };
  };

  const upgradeRequired = (session: Session, minBuild: string, message: string) => {
    const proto = session.info.proto;
    options.clientBuilds?.upgradeRequired(
      session.info.build,
      proto !== undefined && (proto < options.protocols.min || proto > options.protocols.max),
    );
    if (session.isRingdocClient) session.conn.send(encodeUpgradeRequired({ minBuild, message }));
    session.reject(CloseCode.UPGRADE_REQUIRED, message);
  };

  const closeSession = (session: Session) => {
    session.closed();
    sessions.delete(session);
    options.auth?.forget(session);
  };

  /** Admits one session: origin, version gate, node state, ticket, then the route. */
  const admit = (session: Session, upgrade: UpgradeInfo, crowded: Refusal | null) => {
    sessions.add(session);
    options.clientBuilds?.opened(session.info.build);
    const handler = new AdmittedHandler(session, closeSession);
    if (crowded) {
      options.clientBuilds?.refused(session.info.build, crowded.code);
      session.refuse(crowded);
      return handler;
    }
    // The allowlist stops other sites' pages (browsers always send Origin); non-browser
    // clients send none and could forge any, so a missing Origin is not refused.
    const origins = options.allowedOrigins;
    if (origins && upgrade.origin !== '' && !origins.includes(upgrade.origin)) {
      options.clientBuilds?.refused(session.info.build, CloseCode.FORBIDDEN);
      session.reject(CloseCode.FORBIDDEN, `origin ${upgrade.origin} is not allowed`);
      return handler;
    }
    const verdict = checkClient(session.info, options.gate(), options.protocols);
    if (!verdict.ok) {
      upgradeRequired(session, verdict.minBuild, verdict.message);
      return handler;
    }
    const why = options.unavailable();
    if (why !== null) {
      options.clientBuilds?.refused(session.info.build, CloseCode.RETRY);
      session.reject(CloseCode.RETRY, why, { retryAfterMs: 1000 });
      return handler;
    }
    if (options.auth) {
      handler.receive = options.auth.admit(session, () => options.route(session));
      return handler;
    }
    options.route(session);
    return handler;
  };

  /** One document of a Hocuspocus socket (H1–H6): a forwarded ringdoc-protocol session. */
  const openHocuspocusDocument = (
    conn: Connection,
    upgrade: UpgradeInfo,
    documentName: string,
    token: string,
  ): SocketHandler => {
    let docId: string;
    try {
      docId = parseDocId(documentName).docId;
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.reason : 'bad doc id';
      metrics.rejected(CloseCode.BAD_REQUEST).inc();
      conn.close(CloseCode.BAD_REQUEST, reason);
      return IGNORE;
    }
    const session = new Session(
      conn,
      { docId, proto: options.protocols.max, followsRedirects: false },
      options.sessionDeps,
    );
    const handler = admit(session, upgrade, null);
    if (options.auth && !conn.closed) {
      let ticket: Uint8Array | null = null;
      try {
        ticket = encodeTicket(token);
      } catch {
        session.reject(CloseCode.UNAUTHORIZED, 'the Hocuspocus token is not a ringdoc ticket');
      }
      if (ticket) handler.message(ticket);
    }
    return handler;
  };

  /** One room of a rooms socket (R3): a session of the P6 path it was opened with. */
  const openRoom = (room: Connection, upgrade: UpgradeInfo, path: string): SocketHandler => {
    let info: ReturnType<typeof parseConnectUrl>;
    try {
      info = parseConnectUrl(path);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.reason : 'bad request';
      metrics.rejected(CloseCode.BAD_REQUEST).inc();
      room.close(CloseCode.BAD_REQUEST, reason);
      return IGNORE;
    }
    // Opening a room costs what opening a socket does (ticket check, routing, load), so each
    // OPEN counts as a connection attempt of the socket's address and of the node (R6, P22):
    // closing and re-opening rooms cannot get round the connection limits.
    const crowded =
      limits.addresses.attempt(
        options.clientAddress.resolve(upgrade.remoteAddress, upgrade.forwardedFor),
      ) ?? limits.node.admit();
    const watch = buildWatch(info);
    const conn = watch ? meteredConnection(room, watch) : room;
    return meteredHandler(
      admit(new Session(conn, info, options.sessionDeps), upgrade, crowded),
      watch?.meter ?? null,
    );
  };

  return {
    open(conn, upgrade) {
      metrics.connectionsOpened.inc();
      const crowded =
        limits.addresses.attempt(
          options.clientAddress.resolve(upgrade.remoteAddress, upgrade.forwardedFor),
        ) ?? limits.node.admit();
      const hocuspocus = isHocuspocusPath(upgrade.pathAndQuery);
      if (hocuspocus || isRoomsPath(upgrade.pathAndQuery)) {
        // A socket of several documents (H1, R1): the socket is metered and checked here,
        // each of its documents is admitted on its own.
        if (crowded) {
          metrics.rejected(crowded.code).inc();
          conn.close(crowded.code, closeReason(crowded.code, crowded.reason));
          return IGNORE;
        }
        const origins = options.allowedOrigins;
        if (origins && upgrade.origin !== '' && !origins.includes(upgrade.origin)) {
          metrics.rejected(CloseCode.FORBIDDEN).inc();
          conn.close(CloseCode.FORBIDDEN, `origin ${upgrade.origin} is not allowed`);
          return IGNORE;
        }
        if (!hocuspocus) {
          return createRoomSocket({
            conn,
            nextConnectionId: options.nextConnectionId,
            open: (room, path) => openRoom(room, upgrade, path),
          });
        }
        return createHocuspocusSocket({
          conn,
          nextConnectionId: options.nextConnectionId,
          open: (doc, name, token) => openHocuspocusDocument(doc, upgrade, name, token),
        });
      }
      let info: ReturnType<typeof parseConnectUrl>;
      try {
        info = parseConnectUrl(upgrade.pathAndQuery);
      } catch (error) {
        const reason = error instanceof ProtocolError ? error.reason : 'bad request';
        metrics.rejected(CloseCode.BAD_REQUEST).inc();
        conn.close(CloseCode.BAD_REQUEST, closeReason(CloseCode.BAD_REQUEST, reason));
        return IGNORE;
      }
      const watch = buildWatch(info);
      const sessionConn = watch ? meteredConnection(conn, watch) : conn;
      return meteredHandler(
        admit(new Session(sessionConn, info, options.sessionDeps), upgrade, crowded),
        watch?.meter ?? null,
      );
    },
    enforceGate() {
      const settings = options.gate();
      for (const session of sessions.all()) {
        const verdict = checkClient(session.info, settings, options.protocols);
        if (!verdict.ok) upgradeRequired(session, verdict.minBuild, verdict.message);
      }
    },
  };
}
