import type { RingView } from '../../../ring/etcd/types.ts';
import type { Logger } from '../../log.ts';
import { createMemoryBacking, type MemoryBacking } from '../../persistence/memory-store.ts';
import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';
import { acceptSocket } from './sim-connection.ts';
import type { EditorTransport } from './sim-editor.ts';
import { createSimMembership, nodeOfUrl, type SimMembership } from './sim-membership.ts';
import { createSimNetwork, type SimNetwork } from './sim-network.ts';
import { createSimNode, type SimNode } from './sim-node.ts';

/** A node id and what outlives its processes: its disk. */
export interface Slot {
  readonly id: string;
  backing: MemoryBacking;
  /** The running process, or the last one (crashed or left). */
  node: SimNode | null;
  /** The disk was lost with the machine; the node never comes back. */
  destroyed: boolean;
}

export interface SimClusterOptions {
  readonly clock: SimClock;
  /** Randomness of the network, disks and etcd (independent of the schedule's). */
  readonly prng: Prng;
  readonly vnodes: number;
  readonly trace: (line: string) => void;
  readonly onRevision?: (view: RingView) => void;
  /** Every error a node logs (after it is traced). */
  readonly onError?: (node: string, message: string, fields?: Record<string, unknown>) => void;
  /** Nodes also trace view deliveries and replicated updates. */
  readonly verbose?: boolean;
}

/** The simulated cluster: etcd, network, node slots, and the transport editors use. */
export interface SimCluster {
  readonly clock: SimClock;
  readonly net: SimNetwork;
  readonly membership: SimMembership;
  readonly slots: ReadonlyMap<string, Slot>;
  readonly editorTransport: EditorTransport;
  /** The live process of `id` (starting or up), or `null`. */
  live(id: string): SimNode | null;
  /**
   * Starts a process for `id` on its disk (a new slot gets an empty disk). It joins as
   * production nodes do: registers `joining`, waits for the owners' pre-warm, turns `active`.
   */
  start(id: string): SimNode;
  /** Kills the process and loses its disk for good. */
  destroy(id: string): void;
}

/** Builds the simulated cluster; nodes are started with `start`. */
export function createSimCluster(options: SimClusterOptions): SimCluster {
  const { clock, prng, trace } = options;
  const net = createSimNetwork(clock, prng.fork('net'));
  const membership = createSimMembership({
    clock,
    prng: prng.fork('etcd'),
    vnodes: options.vnodes,
    trace,
    ...(options.onRevision ? { onRevision: options.onRevision } : {}),
  });
  const slots = new Map<string, Slot>();
  const diskPrng = prng.fork('disk');
  let nextConnId = 1;
  const connId = () => nextConnId++;
  const log = (id: string): Logger => {
    const line = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
      trace(`${id} ${level} ${msg}${fields ? ` ${brief(fields)}` : ''}`);
      if (level === 'error') options.onError?.(id, msg, fields);
    };
    return {
      debug: () => {},
      info: options.verbose ? line('info') : () => {},
      warn: line('warn'),
      error: line('error'),
    };
  };

  const live = (id: string): SimNode | null => {
    const node = slots.get(id)?.node ?? null;
    return node && (node.status() === 'starting' || node.status() === 'up') ? node : null;
  };

  const directory = (internalUrl: string) => {
    const id = nodeOfUrl(internalUrl);
    if (id === null) return null;
    return { host: id, accept: () => live(id)?.internalHandler() ?? null };
  };

  const editorTransport: EditorTransport = {
    candidates: () => [...slots.values()].filter((s) => !s.destroyed).map((s) => s.id),
    connect(editor, nodeId, pathAndQuery, onOpen) {
      return net.connect(editor, nodeId, (socket) => {
        const node = live(nodeId);
        if (!node) {
          socket.abort();
          return;
        }
        acceptSocket(socket.b, connId(), (conn) => node.acceptClient(conn, pathAndQuery, editor));
        onOpen(socket.a);
      });
    },
  };

  return {
    clock,
    net,
    membership,
    slots,
    editorTransport,
    live,
    start(id) {
      let slot = slots.get(id);
      if (!slot) {
        slot = { id, backing: createMemoryBacking(), node: null, destroyed: false };
        slots.set(id, slot);
      }
      trace(`${id} process starts`);
      const node = createSimNode({
        id,
        clock,
        net,
        prng: diskPrng,
        membership,
        vnodes: options.vnodes,
        backing: slot.backing,
        directory,
        nextConnId: connId,
        log: log(id),
        trace,
        verbose: options.verbose === true,
      });
      slot.node = node;
      return node;
    },
    destroy(id) {
      const slot = slots.get(id);
      if (!slot) return;
      slot.node?.crash();
      slot.destroyed = true;
      slot.backing = createMemoryBacking();
      trace(`${id} destroyed: its disk is lost`);
    },
  };
}

function brief(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_k, v) =>
      v instanceof Error
        ? process.env.FUZZ_STACKS
          ? v.stack
          : v.message
        : v instanceof Uint8Array
          ? `<${v.length} bytes>`
          : v,
    );
  } catch {
    return '{}';
  }
}
