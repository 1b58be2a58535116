import { connect, type Socket, type TcpNetConnectOpts } from 'node:net';
import WebSocket from 'ws';
import { type Clock, systemClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import {
  decodePeerMessage,
  encodePeerMessage,
  type PeerRequest,
  type PeerResponse,
} from './peer-protocol.ts';
import {
  createLinkStreams,
  type LinkStreams,
  type PeerStream,
  type StreamHandlers,
} from './peer-streams.ts';

export type { PeerStream, StreamHandlers } from './peer-streams.ts';

/** Header that carries the cluster secret on `/internal` upgrades. */
export const SECRET_HEADER = 'x-ringdoc-cluster-secret';

export type RequestBody =
  | { readonly kind: 'fetch'; readonly docId: string }
  | {
      readonly kind: 'push';
      readonly docId: string;
      readonly generation: string;
      readonly role: 'replicate' | 'handoff';
      /** Hand-offs: the sender's ring members, comma-joined (M5 staleness check). */
      readonly ring?: string;
      readonly update: Uint8Array;
    };

/** The wire request for `body`: its id and the sender's epoch added (M5). */
export function stampRequest(body: RequestBody, id: number, epoch: number): PeerRequest {
  return body.kind === 'fetch'
    ? { kind: 'fetch', id, epoch, docId: body.docId }
    : {
        kind: 'push',
        id,
        epoch,
        docId: body.docId,
        generation: body.generation,
        role: body.role,
        ring: body.ring ?? '',
        update: body.update,
      };
}

/** Outgoing requests to other nodes, one multiplexed socket per peer URL. */
export interface PeerPool {
  /**
   * Sends `body` to the node at `internalUrl` stamped with `epoch`; resolves with its response.
   * Rejects on connection failure or after `timeoutMs`.
   */
  request(
    internalUrl: string,
    body: RequestBody,
    epoch: number,
    timeoutMs?: number,
  ): Promise<PeerResponse>;
  /**
   * Opens a forwarding stream for `docId` on the link to `internalUrl` (C10, I8), stamped with
   * `epoch`. Never throws: a link that cannot be opened or is lost closes the stream (1006).
   */
  openStream(
    internalUrl: string,
    docId: string,
    epoch: number,
    handlers: StreamHandlers,
  ): PeerStream;
  /** Closes every socket; pending requests reject, open streams close. */
  close(): void;
}

/**
 * One connection to a peer, as the pool sees it: the WebSocket in production, a simulated
 * socket in the convergence fuzz. The pool sets the handlers right after dialing.
 */
export interface PeerLink {
  /** Resolves once connected; rejects if the connection could not be made. */
  readonly open: Promise<void>;
  /** True once the connection is closed or failed: the pool dials again. */
  readonly dead: boolean;
  send(bytes: Uint8Array): void;
  /** Ends the connection now; `onClose` follows. */
  close(): void;
  onMessage: ((bytes: Uint8Array) => void) | null;
  onClose: (() => void) | null;
}

/** Opens a link to the `/internal` channel of the node at `internalUrl`. */
export type DialPeer = (internalUrl: string) => PeerLink;

export interface PeerPoolOverOptions {
  readonly dial: DialPeer;
  readonly log: Logger;
  /** Runs request time-outs (default the system clock). */
  readonly clock?: Clock;
  /** Default request timeout (default 5 s). */
  readonly timeoutMs?: number;
}

interface Pending {
  resolve(r: PeerResponse): void;
  reject(e: Error): void;
  cancelTimer: () => void;
}

/**
 * The peer pool over any transport: one link per peer URL, requests multiplexed by id and
 * encoded with the peer protocol, a closed link rejects every request pending on it, a request
 * rejects after its timeout, a malformed message ends its link, `close()` ends everything.
 */
export function createPeerPoolOver(options: PeerPoolOverOptions): PeerPool {
  const links = new Map<
    string,
    { link: PeerLink; pending: Map<number, Pending>; streams: LinkStreams }
  >();
  const clock = options.clock ?? systemClock();
  let nextId = 1;
  let closed = false;

  const connect = (url: string) => {
    const link = options.dial(url);
    const entry = {
      link,
      pending: new Map<number, Pending>(),
      streams: createLinkStreams(link.open, (bytes) => {
        if (!link.dead) link.send(bytes);
      }),
    };
    link.onMessage = (bytes) => {
      let message: ReturnType<typeof decodePeerMessage>;
      try {
        message = decodePeerMessage(bytes);
      } catch (error) {
        options.log.warn('malformed message from peer', { url, error });
        link.close();
        return;
      }
      if (message.kind === 'stream-frame' || message.kind === 'stream-close') {
        entry.streams.receive(message);
        return;
      }
      if (message.kind !== 'response') return;
      const p = entry.pending.get(message.id);
      if (!p) return;
      entry.pending.delete(message.id);
      p.cancelTimer();
      p.resolve(message);
    };
    link.onClose = () => {
      if (links.get(url) === entry) links.delete(url);
      for (const [, p] of entry.pending) {
        p.cancelTimer();
        p.reject(new Error(`connection to peer ${url} closed`));
      }
      entry.pending.clear();
      entry.streams.lost(`connection to peer ${url} closed`);
    };
    return entry;
  };
  const entryFor = (url: string) => {
    let entry = links.get(url);
    if (!entry || entry.link.dead) {
      entry = connect(url);
      links.set(url, entry);
    }
    return entry;
  };

  return {
    async request(url, body, epoch, timeoutMs = options.timeoutMs ?? 5000) {
      if (closed) throw new Error('peer pool closed');
      const entry = entryFor(url);
      await entry.link.open;
      if (closed || entry.link.dead) throw new Error(`connection to peer ${url} closed`);
      const id = nextId++;
      const request = stampRequest(body, id, epoch);
      const current = entry;
      return new Promise<PeerResponse>((resolve, reject) => {
        const cancelTimer = clock.after(timeoutMs, () => {
          current.pending.delete(id);
          reject(new Error(`peer ${url} did not answer within ${timeoutMs} ms`));
        });
        current.pending.set(id, { resolve, reject, cancelTimer });
        current.link.send(encodePeerMessage(request));
      });
    },
    openStream(url, docId, epoch, handlers) {
      const entry = entryFor(url);
      if (closed) entry.streams.lost('peer pool closed');
      return entry.streams.open(nextId++, docId, epoch, handlers);
    },
    close() {
      closed = true;
      const all = [...links.values()];
      links.clear();
      for (const entry of all) entry.link.close();
    },
  };
}

export interface PeerPoolOptions {
  readonly secret: string;
  readonly log: Logger;
  /** Runs request time-outs (default the system clock). */
  readonly clock?: Clock;
  /** Default request timeout (default 5 s). */
  readonly timeoutMs?: number;
}

/** The production pool: WebSockets to `<internalUrl>/internal`, authenticated by the cluster secret (I1). */
export function createPeerPool(options: PeerPoolOptions): PeerPool {
  return createPeerPoolOver({
    log: options.log,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    dial: (url) => {
      let socket: Socket | null = null;
      const ws = new WebSocket(`${url}/internal`, {
        headers: { [SECRET_HEADER]: options.secret },
        maxPayload: 256 * 1024 * 1024,
        // uWS does not compress /internal; ws would write compressed frames outside the cork
        perMessageDeflate: false,
        // ws's own connect, keeping the socket (its `path` is the HTTP path, not a pipe's)
        createConnection: ((connectOptions: TcpNetConnectOpts & { path?: string }) => {
          const { path: _httpPath, ...tcp } = connectOptions;
          socket = connect(tcp);
          return socket;
        }) as typeof connect,
      });
      ws.binaryType = 'nodebuffer';
      // Frames sent in one turn of the event loop leave in one write (one syscall): a
      // replication window pushes every document it covers at once.
      let corked: Socket | null = null;
      const uncork = () => {
        corked?.uncork();
        corked = null;
      };
      const link: PeerLink = {
        open: new Promise((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', (e) => reject(e));
          ws.once('unexpected-response', (_req, res) =>
            reject(new Error(`peer ${url} refused the internal channel: HTTP ${res.statusCode}`)),
          );
        }),
        get dead() {
          return ws.readyState > WebSocket.OPEN;
        },
        send: (bytes) => {
          if (!corked && socket) {
            corked = socket;
            corked.cork();
            process.nextTick(uncork);
          }
          ws.send(bytes);
        },
        close: () => {
          uncork();
          ws.terminate();
        },
        onMessage: null,
        onClose: null,
      };
      link.open.catch(() => {});
      ws.on('message', (data: Buffer) => link.onMessage?.(new Uint8Array(data)));
      ws.on('error', () => {});
      ws.on('close', () => link.onClose?.());
      return link;
    },
  });
}
