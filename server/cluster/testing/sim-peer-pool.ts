import type { Connection } from '../../documents/connection.ts';
import type { Logger } from '../../log.ts';
import type { SocketHandler } from '../../transport/transport.ts';
import { createPeerPoolOver, type PeerLink, type PeerPool } from '../peer-client.ts';
import type { SimClock } from './sim-clock.ts';
import { acceptSocket } from './sim-connection.ts';
import type { SimNetwork } from './sim-network.ts';

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
  readonly log: Logger;
  readonly timeoutMs?: number;
}

/**
 * The production peer pool (`createPeerPoolOver`) dialing over the simulated network: a link
 * opens once the receiving node accepted the socket, and fails when nobody listens there.
 */
export function createSimPeerPool(options: SimPeerPoolOptions): PeerPool {
  const { net } = options;
  return createPeerPoolOver({
    log: options.log,
    // Request time-outs are simulation events (counted by `settle`), as before.
    clock: { ...options.clock.modules, after: options.clock.after },
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    dial: (url) => {
      const target = options.directory(url);
      let opened: () => void = () => {};
      let failed: (e: Error) => void = () => {};
      const open = new Promise<void>((resolve, reject) => {
        opened = resolve;
        failed = reject;
      });
      open.catch(() => {});
      let dead = false;
      const socket = net.connect(options.host, target?.host ?? `nowhere:${url}`, (s) => {
        const make = target?.accept() ?? null;
        if (!make) {
          s.abort();
          return;
        }
        acceptSocket(s.b, options.nextConnId(), make);
        opened();
      });
      const link: PeerLink = {
        open,
        get dead() {
          return dead;
        },
        send: (bytes) => socket.a.send(bytes),
        close: () => {
          if (dead) return;
          socket.a.close(1001, 'pool closed');
          socket.a.onClose(1001, 'pool closed');
        },
        onMessage: null,
        onClose: null,
      };
      socket.a.onMessage = (frame) => link.onMessage?.(frame);
      socket.a.onClose = () => {
        if (dead) return;
        dead = true;
        failed(new Error(`connection to peer ${url} failed`));
        link.onClose?.();
      };
      if (!target) socket.abort();
      return link;
    },
  });
}
