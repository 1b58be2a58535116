import type * as uWS from 'uWebSockets.js';
import type {
  HttpRequest,
  HttpResponse,
  TemplatedApp,
  us_listen_socket,
  us_socket_context_t,
  WebSocket,
} from 'uWebSockets.js';
import { timingSafeEqual } from 'node:crypto';
import { SECRET_HEADER } from '../cluster/peer-client.ts';
import type { Broadcaster, Connection } from '../documents/connection.ts';
import type { Logger } from '../log.ts';
import { CloseCode } from '../protocol/index.ts';
import {
  HTTP_REQUEST_HEADERS,
  type HttpHandler,
  type HttpReply,
  type HttpRequestHeaders,
  MAX_HTTP_BODY_BYTES,
  type SocketHandler,
  type Transport,
  type TransportHandlers,
  type UpgradeInfo,
} from './transport.ts';
import type { Uws } from './uws-native.ts';

export type { HttpHandler, HttpReply, SocketHandler, Transport, UpgradeInfo } from './transport.ts';

export interface TransportOptions {
  readonly uws: Uws;
  readonly host: string;
  readonly port: number;
  readonly maxFrameBytes: number;
  readonly maxBackpressureBytes: number;
  readonly log: Logger;
  /** The node-to-node channel on `/internal` is open only to holders of this secret. */
  readonly secret: string;
  readonly handlers: TransportHandlers;
}

interface UserData {
  /** What the upgrade request said; dropped once the socket's handler has it (its strings are ≈ 150 B of every socket). */
  info: UpgradeInfo | null;
  conn: UwsConnection | null;
  handler: SocketHandler | null;
}

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  307: '307 Temporary Redirect',
  201: '201 Created',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  421: '421 Misdirected Request',
  503: '503 Service Unavailable',
};

class UwsConnection implements Connection {
  closed = false;
  constructor(
    readonly id: number,
    readonly ws: WebSocket<UserData>,
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.ws.send(frame, true) === 2) {
      this.close(CloseCode.RETRY, 'slow consumer: send backlog over the limit');
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.end(code, reason);
  }

  cork(fn: () => void): void {
    if (this.closed) {
      fn();
      return;
    }
    this.ws.cork(fn);
  }
}

/**
 * The uWebSockets.js adapter: one port for the public WebSocket (`/doc/*`) and the HTTP
 * endpoints. Copies every inbound frame (uWS buffers die with the callback), broadcasts via
 * uWS pub/sub (slow receivers are closed, not buffered without bound: N4), corks sends
 * made outside uWS callbacks.
 */
export function createUwsTransport(options: TransportOptions): Transport {
  const { uws, log } = options;
  const app: TemplatedApp = uws.App();
  const sockets = new Set<UwsConnection>();
  let nextId = 1;
  let listenSocket: us_listen_socket | null = null;

  /** Registers the socket, then asks for its handler; a socket closed during that still reaches it. */
  const accept = (ws: WebSocket<UserData>, make: (conn: Connection) => SocketHandler) => {
    const data = ws.getUserData();
    const conn = new UwsConnection(nextId++, ws);
    data.conn = conn;
    sockets.add(conn);
    const handler = make(conn);
    data.handler = handler;
    data.info = null;
    if (conn.closed) {
      sockets.delete(conn);
      handler.close(CloseCode.NORMAL);
    }
  };
  const upgradeTo = (
    res: HttpResponse,
    req: HttpRequest,
    context: us_socket_context_t,
    info: UpgradeInfo,
  ) =>
    res.upgrade<UserData>(
      { info, conn: null, handler: null },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  const onClose = (ws: WebSocket<UserData>, code: number) => {
    const data = ws.getUserData();
    if (data.conn) {
      data.conn.closed = true;
      sockets.delete(data.conn);
    }
    data.handler?.close(code);
  };

  // Client sockets: `/doc/<docId>` (one document), `/hocuspocus` (several, H1) and `/rooms` (several, R1).
  const clientSocket: uWS.WebSocketBehavior<UserData> = {
    // Frames up to twice the limit are read in full so the client gets a clean 1009 (P18);
    // beyond that uWS cuts the connection without reading on (the client sees 1006).
    maxPayloadLength: options.maxFrameBytes * 2,
    maxBackpressure: options.maxBackpressureBytes,
    closeOnBackpressureLimit: 1,
    idleTimeout: 60,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const query = req.getQuery();
      const info: UpgradeInfo = {
        pathAndQuery: query ? `${req.getUrl()}?${query}` : req.getUrl(),
        origin: req.getHeader('origin'),
        remoteAddress: Buffer.from(res.getRemoteAddressAsText()).toString(),
        forwardedFor: req.getHeader('x-forwarded-for'),
      };
      upgradeTo(res, req, context, info);
    },
    open: (ws) => {
      const { info } = ws.getUserData();
      if (info) accept(ws, (conn) => options.handlers.onOpen(conn, info));
    },
    message: (ws, message) => {
      const data = ws.getUserData();
      if (message.byteLength > options.maxFrameBytes) {
        data.conn?.close(
          CloseCode.TOO_BIG,
          `frame of ${message.byteLength} bytes exceeds ${options.maxFrameBytes}`,
        );
        return;
      }
      data.handler?.message(new Uint8Array(message.slice(0)));
    },
    close: onClose,
  };
  for (const pattern of ['/doc/*', '/hocuspocus', '/hocuspocus/*', '/rooms'])
    app.ws<UserData>(pattern, clientSocket);

  app.ws<UserData>('/internal', {
    maxPayloadLength: 256 * 1024 * 1024,
    maxBackpressure: 256 * 1024 * 1024,
    closeOnBackpressureLimit: 1,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const presented = req.getHeader(SECRET_HEADER);
      if (!secretsEqual(presented, options.secret)) {
        res.cork(() => res.writeStatus('401 Unauthorized').end('cluster secret required\n'));
        return;
      }
      upgradeTo(res, req, context, {
        pathAndQuery: '/internal',
        origin: '',
        remoteAddress: '',
        forwardedFor: '',
      });
    },
    open: (ws) => accept(ws, options.handlers.onInternal),
    message: (ws, message) => {
      ws.getUserData().handler?.message(new Uint8Array(message.slice(0)));
    },
    close: onClose,
  });

  const routes = Object.entries(options.handlers.routes);
  const postRoutes = Object.entries(options.handlers.postRoutes ?? {});
  const serveHttp = (
    table: Array<[string, HttpHandler]>,
    res: HttpResponse,
    req: HttpRequest,
    withBody: boolean,
  ) => {
    const path = req.getUrl();
    const query = req.getQuery() ?? '';
    const headers = Object.fromEntries(
      HTTP_REQUEST_HEADERS.map((name) => [name, req.getHeader(name)]),
    ) as HttpRequestHeaders;
    const match = table.find(([pattern]) =>
      pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern,
    );
    if (!match) {
      writeReply(res, { status: 404, body: 'not found\n' });
      return;
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const answer = (body: string) =>
      safeReply(() => match[1](path, query, headers, body), log).then((reply) => {
        if (!aborted) writeReply(res, reply);
      });
    if (!withBody) {
      void answer('');
      return;
    }
    // uWS: the body arrives in chunks that must be copied before the callback returns.
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    res.onData((chunk, isLast) => {
      if (refused || aborted) return;
      size += chunk.byteLength;
      if (size > MAX_HTTP_BODY_BYTES) {
        refused = true;
        writeReply(res, { status: 413, body: 'request body too large\n' });
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) void answer(Buffer.concat(chunks).toString('utf8'));
    });
  };
  app.get('/*', (res, req) => serveHttp(routes, res, req, false));
  app.post('/*', (res, req) => serveHttp(postRoutes, res, req, true));

  const broadcaster: Broadcaster = {
    join(topic, conn) {
      if (!conn.closed) (conn as UwsConnection).ws.subscribe(topic);
    },
    leave(topic, conn) {
      if (!conn.closed) (conn as UwsConnection).ws.unsubscribe(topic);
    },
    publish(topic, frame, except) {
      if (except && !except.closed) {
        const ws = (except as UwsConnection).ws;
        ws.cork(() => ws.publish(topic, frame, true));
      } else {
        app.publish(topic, frame, true);
      }
    },
  };

  return {
    broadcaster,
    listen: () =>
      new Promise((resolve, reject) => {
        // (host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, cb): the typings lack this overload.
        const listen = app.listen as unknown as (
          host: string,
          port: number,
          options: number,
          cb: (socket: us_listen_socket | false) => void,
        ) => void;
        listen.call(app, options.host, options.port, 1, (socket) => {
          if (!socket) {
            reject(new Error(`cannot listen on ${options.host}:${options.port} (port in use?)`));
            return;
          }
          listenSocket = socket;
          resolve(uws.us_socket_local_port(socket));
        });
      }),
    stopListening() {
      if (listenSocket) uws.us_listen_socket_close(listenSocket);
      listenSocket = null;
    },
    closeAll() {
      for (const conn of [...sockets]) conn.close(CloseCode.RETRY, 'node shutting down');
    },
  };
}

function secretsEqual(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function safeReply(
  fn: () => HttpReply | Promise<HttpReply>,
  log: Logger,
): Promise<HttpReply> {
  try {
    return await fn();
  } catch (error) {
    log.error('HTTP handler failed', { error });
    return { status: 503, body: 'internal error\n' };
  }
}

function writeReply(res: HttpResponse, reply: HttpReply): void {
  res.cork(() => {
    res.writeStatus(STATUS_TEXT[reply.status] ?? `${reply.status} Status`);
    res.writeHeader('content-type', reply.contentType ?? 'text/plain; charset=utf-8');
    res.writeHeader('cache-control', 'no-store');
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.writeHeader(k, v);
    res.end(reply.body);
  });
}
