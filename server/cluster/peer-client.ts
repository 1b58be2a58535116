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
   * Opens a forwarding stream for `docId` on the link to `internalUrl` (C10, I7), stamped with
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

interface Pending {
  resolve(r: PeerResponse): void;
  reject(e: Error): void;
  cancelTimer: () => void;
}

interface Link {
  ws: WebSocket;
  open: Promise<void>;
  pending: Map<number, Pending>;
  streams: LinkStreams;
}

export interface PeerPoolOptions {
  readonly secret: string;
  readonly log: Logger;
  /** Runs request time-outs (default the system clock). */
  readonly clock?: Clock;
  /** Default request timeout (default 5 s). */
  readonly timeoutMs?: number;
}

export function createPeerPool(options: PeerPoolOptions): PeerPool {
  const links = new Map<string, Link>();
  const clock = options.clock ?? systemClock();
  let nextId = 1;
  let closed = false;

  const connect = (url: string): Link => {
    const ws = new WebSocket(`${url}/internal`, {
      headers: { [SECRET_HEADER]: options.secret },
      maxPayload: 256 * 1024 * 1024,
    });
    ws.binaryType = 'nodebuffer';
    const pending = new Map<number, Pending>();
    const open = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (e) => reject(e));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`peer ${url} refused the internal channel: HTTP ${res.statusCode}`)),
      );
    });
    const link: Link = {
      ws,
      pending,
      open,
      streams: createLinkStreams(open, (bytes) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
      }),
    };
    link.open.catch(() => {});
    ws.on('message', (data: Buffer) => {
      let message: ReturnType<typeof decodePeerMessage>;
      try {
        message = decodePeerMessage(new Uint8Array(data));
      } catch (error) {
        options.log.warn('malformed message from peer', { url, error });
        ws.terminate();
        return;
      }
      if (message.kind === 'stream-frame' || message.kind === 'stream-close') {
        link.streams.receive(message);
        return;
      }
      if (message.kind !== 'response') return;
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      p.cancelTimer();
      p.resolve(message);
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (links.get(url) === link) links.delete(url);
      for (const [, p] of pending) {
        p.cancelTimer();
        p.reject(new Error(`connection to peer ${url} closed`));
      }
      pending.clear();
      link.streams.lost(`connection to peer ${url} closed`);
    });
    return link;
  };

  return {
    async request(url, body, epoch, timeoutMs = options.timeoutMs ?? 5000) {
      if (closed) throw new Error('peer pool closed');
      let link = links.get(url);
      if (!link || link.ws.readyState > WebSocket.OPEN) {
        link = connect(url);
        links.set(url, link);
      }
      await link.open;
      const id = nextId++;
      const request = stampRequest(body, id, epoch);
      const current = link;
      return new Promise<PeerResponse>((resolve, reject) => {
        const cancelTimer = clock.after(timeoutMs, () => {
          current.pending.delete(id);
          reject(new Error(`peer ${url} did not answer within ${timeoutMs} ms`));
        });
        current.pending.set(id, { resolve, reject, cancelTimer });
        current.ws.send(encodePeerMessage(request));
      });
    },
    openStream(url, docId, epoch, handlers) {
      let link = links.get(url);
      if (!link || link.ws.readyState > WebSocket.OPEN) {
        link = connect(url);
        links.set(url, link);
      }
      if (closed) link.streams.lost('peer pool closed');
      return link.streams.open(nextId++, docId, epoch, handlers);
    },
    close() {
      closed = true;
      for (const link of links.values()) link.ws.terminate();
      links.clear();
    },
  };
}
