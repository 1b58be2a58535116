import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  type Connection,
  createConnection,
  createDocSync,
  createRoomMux,
  type RoomMux,
  type TicketSource,
  type WebSocketLike,
  webSocketOpener,
} from '../../client/index.ts';

/** A room multiplexer (C9) over `ws` that records the URL of every real socket it opens. */
export function countingMux(): { mux: RoomMux; opened: string[] } {
  const opened: string[] = [];
  const mux = createRoomMux({
    createSocket: (url) => {
      opened.push(url);
      return new WebSocket(url) as unknown as WebSocketLike;
    },
  });
  return { mux, opened };
}

/** One room of a multiplexer, driven by the client library (connection + doc sync). */
export interface RoomClient {
  readonly doc: Y.Doc;
  readonly connection: Connection;
  /** One entry per session that ended. */
  readonly ended: string[];
  /** Node ids from each HELLO. */
  readonly nodes: string[];
  /** Close codes the room saw. */
  readonly closes: number[];
  /** Highest ACK count of the current session. */
  acked(): number;
  /** Every local change is acknowledged as durable (nothing pending, nothing unsynced, C4). */
  saved(): boolean;
  text(): string;
  synced(): boolean;
  stop(): void;
}

export interface RoomClientOptions {
  /** `false`: ask to be forwarded (follow=0) instead of redirected. */
  readonly follow?: boolean;
  readonly tickets?: TicketSource;
}

/** Opens `docId` as a room of `mux`, connecting to `base` first. */
export function roomOf(
  mux: RoomMux,
  docId: string,
  base: string,
  options: RoomClientOptions = {},
): RoomClient {
  const doc = new Y.Doc();
  const ended: string[] = [];
  const nodes: string[] = [];
  const closes: number[] = [];
  let acked = 0;
  const connection = createConnection({
    docId,
    clock: {
      now: () => Date.now(),
      after(ms, fn) {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    },
    openSocket: webSocketOpener(mux.createSocket),
    resolve: () => base,
    knownMember: () => true,
    backoff: { next: () => 100 + Math.random() * 200, reset: () => {}, attempts: 0 },
    livenessTimeoutMs: 0,
    ...(options.follow === false ? { followsRedirects: false as const } : {}),
    ...(options.tickets ? { tickets: options.tickets } : {}),
  });
  const sync = createDocSync(connection, { doc });
  connection.on('ended', () => ended.push(docId));
  connection.on('hello', (hello) => nodes.push(hello.node));
  connection.on('closed', ({ code }) => closes.push(code));
  connection.on('opening', () => {
    acked = 0;
  });
  sync.on('ack', (count) => {
    acked = count;
  });
  connection.connect();
  return {
    doc,
    connection,
    ended,
    nodes,
    closes,
    acked: () => acked,
    saved: () =>
      connection.session?.synced === true &&
      connection.state.pending === 0 &&
      !connection.state.unsynced,
    text: () => doc.getText('t').toString(),
    synced: () => connection.session?.synced === true,
    stop() {
      connection.destroy();
      sync.detach();
    },
  };
}
