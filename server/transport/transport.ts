import type { Broadcaster, Connection } from '../documents/connection.ts';

/** What the transport knows of an upgrade request (read synchronously, STACK: uWS). */
export interface UpgradeInfo {
  /** Path and query, e.g. `/doc/abc?build=3`. */
  readonly pathAndQuery: string;
  readonly origin: string;
  readonly remoteAddress: string;
  /** The `X-Forwarded-For` header ('' when absent); believed only from trusted proxies. */
  readonly forwardedFor: string;
}

/** Per-socket callbacks returned by `onOpen`. */
export interface SocketHandler {
  message(frame: Uint8Array): void;
  close(code: number): void;
}

export interface HttpReply {
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/** The request headers an HTTP handler may read (lower-case names; '' when absent). */
export const HTTP_REQUEST_HEADERS = [
  'authorization',
  'origin',
  'x-ringdoc-cluster-secret',
] as const;

export type HttpRequestHeaders = Readonly<Record<(typeof HTTP_REQUEST_HEADERS)[number], string>>;

export type HttpHandler = (
  path: string,
  query: string,
  headers: HttpRequestHeaders,
  /** The request body (POST only; absent for GET). */
  body?: string,
) => HttpReply | Promise<HttpReply>;

/** Largest POST body a node reads (larger ones get 413 unread). */
export const MAX_HTTP_BODY_BYTES = 1024 * 1024;

/** What a node gives its transport: the socket and HTTP handlers. */
export interface TransportHandlers {
  /** A client WebSocket on `/doc/…` was accepted. */
  readonly onOpen: (conn: Connection, info: UpgradeInfo) => SocketHandler;
  /** A peer opened the node-to-node channel (`/internal`, cluster secret checked). */
  readonly onInternal: (conn: Connection) => SocketHandler;
  /** GET handlers by exact path or prefix ending in `*`. */
  readonly routes: Record<string, HttpHandler>;
  /** POST handlers, likewise (bodies up to {@link MAX_HTTP_BODY_BYTES}); absent: none. */
  readonly postRoutes?: Record<string, HttpHandler>;
}

export interface Transport {
  readonly broadcaster: Broadcaster;
  /** Binds with the exclusive-port flag (N5); rejects if the port is taken. */
  listen(): Promise<number>;
  /** Stops accepting; open sockets stay until closed by their owners. */
  stopListening(): void;
  /** Closes every socket now (after `stopListening`). */
  closeAll(): void;
}

/**
 * Builds a node's transport around its handlers: uWS in production
 * (`createUwsTransport`), the simulated network in the convergence fuzz.
 */
export type TransportFactory = (handlers: TransportHandlers) => Transport;
