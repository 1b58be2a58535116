import type { Connection } from '../../documents/connection.ts';
import type { SocketHandler } from '../../transport/uws-server.ts';
import { type PeerPool, stampRequest } from '../peer-client.ts';
import { decodePeerMessage, encodePeerMessage, type PeerResponse } from '../peer-protocol.ts';
import { createLinkStreams, type LinkStreams } from '../peer-streams.ts';
import type { SimClock } from './sim-clock.ts';
import { acceptSocket } from './sim-connection.ts';
import type { SimNetwork, SocketEnd } from './sim-network.ts';

/** Where the pool finds the node behind an internal URL (`null`: nobody listens there). */
export type InternalDirectory = (internalUrl: string) => {
  readonly host: string;
  /** The node's `/internal` handler (`createPeerService`), or `null` when it is down. */
  accept(): ((conn: Connection) => SocketHandler) | null;
} | null;

export interface SimPeerPoolOptions {
  readonly host: string;
  readonly net: SimNetwork;
  readonly clock: SimClock;
  readonly directory: InternalDirectory;
  /** Allocates connection ids on the receiving node. */
  readonly nextConnId: () => number;
  readonly timeoutMs?: number;
}

interface Pending {
  resolve(r: PeerResponse): void;
  reject(e: Error): void;
  cancelTimer(): void;
}

interface Link {
  end: SocketEnd;
  open: Promise<void>;
  pending: Map<number, Pending>;
  streams: LinkStreams;
  dead: boolean;
}

/**
 * `PeerPool` over the simulated network with the real pool's semantics (`peer-client.ts`):
 * one socket per peer URL, requests multiplexed by id and encoded with the real peer
 * protocol, a connection failure rejects every pending request, a request rejects after
 * its timeout, and `close()` ends everything.
 */
export function createSimPeerPool(options: SimPeerPoolOptions): PeerPool {
  const { net, clock } = options;
  const links = new Map<string, Link>();
  let nextId = 1;
  let closed = false;

  const connect = (url: string): Link => {
    const target = options.directory(url);
    const pending = new Map<number, Pending>();
    let opened: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const open = new Promise<void>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    open.catch(() => {});
    const socket = net.connect(options.host, target?.host ?? `nowhere:${url}`, (s) => {
      const make = target?.accept() ?? null;
      if (!make) {
        s.abort();
        return;
      }
      acceptSocket(s.b, options.nextConnId(), make);
      opened();
    });
    const link: Link = {
      end: socket.a,
      open,
      pending,
      streams: createLinkStreams(open, (bytes) => {
        if (!link.dead) socket.a.send(bytes);
      }),
      dead: false,
    };
    socket.a.onMessage = (frame) => {
      let message: ReturnType<typeof decodePeerMessage>;
      try {
        message = decodePeerMessage(frame);
      } catch {
        socket.abort();
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
    };
    socket.a.onClose = () => {
      link.dead = true;
      if (links.get(url) === link) links.delete(url);
      failed(new Error(`connection to peer ${url} failed`));
      for (const [, p] of pending) {
        p.cancelTimer();
        p.reject(new Error(`connection to peer ${url} closed`));
      }
      pending.clear();
      link.streams.lost(`connection to peer ${url} closed`);
    };
    if (!target) socket.abort();
    return link;
  };

  return {
    async request(url, body, epoch, timeoutMs = options.timeoutMs ?? 5000) {
      if (closed) throw new Error('peer pool closed');
      let link = links.get(url);
      if (!link || link.dead) {
        link = connect(url);
        links.set(url, link);
      }
      await link.open;
      if (closed || link.dead) throw new Error(`connection to peer ${url} closed`);
      const id = nextId++;
      const request = stampRequest(body, id, epoch);
      const current = link;
      return new Promise<PeerResponse>((resolve, reject) => {
        const cancelTimer = clock.after(timeoutMs, () => {
          current.pending.delete(id);
          reject(new Error(`peer ${url} did not answer within ${timeoutMs} ms`));
        });
        current.pending.set(id, { resolve, reject, cancelTimer });
        current.end.send(encodePeerMessage(request));
      });
    },
    openStream(url, docId, epoch, handlers) {
      let link = links.get(url);
      if (!link || link.dead) {
        link = connect(url);
        links.set(url, link);
      }
      if (closed) link.streams.lost('peer pool closed');
      return link.streams.open(nextId++, docId, epoch, handlers);
    },
    close() {
      closed = true;
      for (const link of links.values()) {
        link.end.close(1001, 'pool closed');
        link.end.onClose(1001, 'pool closed');
      }
      links.clear();
    },
  };
}
