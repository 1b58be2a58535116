import type { MemberState, RingView } from '../../../ring/index.ts';
import { resolveNodeConfig } from '../../config.ts';
import type { Connection } from '../../documents/connection.ts';
import type { DocumentRegistry } from '../../documents/registry.ts';
import { createMemoryBroadcaster } from '../../documents/testing/memory-transport.ts';
import type { Logger } from '../../log.ts';
import { createNode, type RingdocNode } from '../../node/create-node.ts';
import type { MemoryBacking } from '../../persistence/memory-store.ts';
import type { DocStore } from '../../persistence/store.ts';
import { CloseCode } from '../../protocol/index.ts';
import type { SocketHandler, TransportHandlers } from '../../transport/transport.ts';
import type { PeerPool } from '../peer-client.ts';
import type { Rebalancer } from '../rebalancer.ts';
import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';
import { createSimCoordination } from './sim-coordination.ts';
import { openSimDisk } from './sim-disk.ts';
import { type SimMembership, simUrls } from './sim-membership.ts';
import type { SimNetwork } from './sim-network.ts';
import { createPauseGate, pausableClock } from './sim-pause.ts';
import { createSimPeerPool, type InternalDirectory } from './sim-peer-pool.ts';

export type SimNodeStatus = 'starting' | 'up' | 'left' | 'crashed';

export interface SimNodeOptions {
  readonly id: string;
  readonly clock: SimClock;
  readonly net: SimNetwork;
  readonly prng: Prng;
  readonly membership: SimMembership;
  /** Virtual nodes per member (as the simulated etcd builds its rings). */
  readonly vnodes: number;
  /** The node's disk: survives crashes (a restart opens a new store over it). */
  readonly backing: MemoryBacking;
  readonly directory: InternalDirectory;
  readonly nextConnId: () => number;
  /** Copies per document (R, default 2). */
  readonly replicas?: number;
  readonly log: Logger;
  readonly trace: (line: string) => void;
  /** Also trace every view delivery and every replicated update (long traces). */
  readonly verbose?: boolean;
}

/** One node process of the simulation (see `createSimNode`). */
export interface SimNode {
  readonly id: string;
  status(): SimNodeStatus;
  /** Registered with a lease and not fenced: takes clients and answers peers. */
  serving(): boolean;
  isFenced(): boolean;
  memberState(): MemberState;
  view(): RingView | null;
  readonly registry: DocumentRegistry;
  readonly store: DocStore;
  readonly rebalancer: Rebalancer;
  /** A client socket reached this node (`pathAndQuery` as in C1) from `remoteAddress`. */
  acceptClient(conn: Connection, pathAndQuery: string, remoteAddress?: string): SocketHandler;
  /** The `/internal` handler, or `null` when the process is gone. */
  internalHandler(): ((conn: Connection) => SocketHandler) | null;
  /** The process dies: memory, sockets and unsynced writes are lost; the lease expires later. */
  crash(): void;
  /** Cut off from etcd: no views; fences itself after `fenceAfterMs`, lease lost after `expireAfterMs`. */
  partitionFromEtcd(fenceAfterMs: number, expireAfterMs: number): void;
  /** etcd reachable again: catches up, re-registers if the lease was lost, unfences. */
  healEtcd(): void;
  readonly etcdPartitioned: boolean;
  /** Planned leave (M2): the production drain. */
  drain(): void;
  readonly draining: boolean;
  /** Loaded rooms with writes under way (settle check). */
  pendingWrites(): number;
  /** Documents served provisionally or copies to hand on (P31, P32; settle check). */
  pendingHandBack(): number;
  /** Unloads every idle room now (the idle sweep, N1). */
  sweepIdle(): void;
  /**
   * SIGSTOP: the process stops running — its timers, sockets and etcd answers queue up —
   * while time goes on and its lease stays (the fuzz pauses for less than the TTL).
   */
  pause(): void;
  /** SIGCONT: everything queued runs, in order. */
  resume(): void;
  readonly paused: boolean;
}

/**
 * One node process of the simulation: the production `createNode` (`server/node/`) built
 * over simulated adapters — the simulated network as transport and peer pool, the memory store
 * over a disk that survives crashes, the simulated etcd as coordination, simulated time — plus
 * the fault controls the fuzz uses. Nothing of the node's logic is re-implemented here.
 */
export function createSimNode(options: SimNodeOptions): SimNode {
  const { id, log } = options;
  const trace = (line: string) => options.trace(`${id} ${line}`);
  // Everything this process runs goes through its pause gate (SIGSTOP / SIGCONT).
  const gate = createPauseGate();
  const run = (fn: () => void) => gate.run(fn);
  options.net.gate(id, run);
  const clock = pausableClock(options.clock, gate);
  const disk = openSimDisk(options.backing, clock, options.prng);
  const coordination = createSimCoordination({
    id,
    membership: options.membership,
    clock: options.clock,
    gate: run,
    prng: options.prng,
    log,
    trace: options.trace,
    ...(options.verbose ? { verbose: true } : {}),
  });
  let status: SimNodeStatus = 'starting';
  let handlers: TransportHandlers | null = null;
  let draining = false;
  const alive = () => status === 'starting' || status === 'up';

  const pool = tracedPool(
    createSimPeerPool({
      host: id,
      net: options.net,
      clock,
      directory: options.directory,
      nextConnId: options.nextConnId,
      log,
    }),
    trace,
    options.verbose === true,
  );

  const config = resolveNodeConfig({
    id,
    port: 1,
    dataDir: `/sim/${id}`,
    etcd: ['sim'],
    ...simUrls(id),
    // The simulated network is not loopback: a secret of its own, as production requires.
    clusterSecret: 'simulated-cluster-secret',
    build: 'sim',
    vnodes: options.vnodes,
    replicas: options.replicas ?? 2,
    durability: 'replica',
    idleUnloadMs: 1500,
    // attached editors' documents go encoded and back between edits (issue 14)
    idleEncodeMs: 100,
    encodedCacheBytes: 1 << 20,
    heapHighWaterBytes: Number.MAX_SAFE_INTEGER,
  });

  const node: RingdocNode = createNode(config, {
    clock: clock.modules,
    log,
    store: disk.store,
    peers: pool,
    coordination,
    heapUsed: () => 0,
    transport: (given) => {
      handlers = given;
      const broadcaster = createMemoryBroadcaster();
      return {
        broadcaster,
        listen: async () => 0,
        stopListening: () => {},
        closeAll: () => options.net.abortHost(id),
      };
    },
    observe: {
      onServe: (session, room) =>
        trace(
          `serves ${room.docId} (gen ${room.generation.slice(0, 6)}) to conn ${session.conn.id}`,
        ),
      onPulled: (docId, epoch, holders, remote) =>
        trace(
          `pull ${docId} at epoch ${epoch}: ${holders.join(',') || 'no candidates'} → ${remote.answered} answered, ${remote.copies.length} copies${remote.copies.map((c) => ` ${c.generation.slice(0, 6)}`).join('')}`,
        ),
      onFence: (fenced) => trace(fenced ? 'fenced: drops every room' : 'unfenced'),
    },
  });

  function exit(final: SimNodeStatus): void {
    status = final;
    node.halt();
    options.net.abortHost(id);
    disk.crash();
  }

  node.start().then(
    () => {
      if (!alive()) return;
      status = 'up';
      trace(`up (${coordination.desiredState})`);
    },
    (error: unknown) => {
      if (alive()) trace(`start failed: ${(error as Error).message}`);
    },
  );
  void node.drained.then(() => {
    if (!alive()) return;
    trace('drained: left the ring; process exits');
    exit('left');
  });

  return {
    id,
    registry: node.registry,
    store: disk.store,
    rebalancer: node.rebalancer,
    status: () => status,
    serving: () => alive() && coordination.registered && !coordination.fenced,
    isFenced: () => coordination.fenced,
    memberState: () => coordination.desiredState,
    view: () => node.view(),
    acceptClient(conn, pathAndQuery, remoteAddress = 'sim-client') {
      if (!handlers || !alive()) {
        conn.close(CloseCode.RETRY, 'node not listening yet');
        return { message: () => {}, close: () => {} };
      }
      return handlers.onOpen(conn, { pathAndQuery, origin: '', remoteAddress, forwardedFor: '' });
    },
    internalHandler: () => (alive() && handlers ? handlers.onInternal : null),
    crash() {
      if (!alive()) return;
      trace('crashed');
      coordination.crash(options.prng.int(300, 1500));
      exit('crashed');
    },
    partitionFromEtcd(fenceAfterMs, expireAfterMs) {
      if (alive()) coordination.partition(fenceAfterMs, expireAfterMs);
    },
    healEtcd() {
      if (alive()) coordination.heal();
    },
    get etcdPartitioned() {
      return coordination.partitioned;
    },
    drain() {
      if (!alive() || draining || status !== 'up') return;
      draining = true;
      trace('draining');
      node.drain().catch((error: unknown) => trace(`drain failed: ${(error as Error).message}`));
    },
    get draining() {
      return draining;
    },
    pendingWrites: () => {
      let n = 0;
      for (const room of node.registry.loadedRooms()) if (room.hasPendingWrites) n++;
      return n;
    },
    sweepIdle: () => node.registry.sweep(Number.MAX_SAFE_INTEGER),
    pendingHandBack: () => node.pendingHandBack(),
    pause() {
      if (!alive() || gate.paused) return;
      trace('paused (SIGSTOP)');
      gate.pause();
    },
    resume() {
      if (!gate.paused) return;
      trace('resumed (SIGCONT)');
      gate.resume();
    },
    get paused() {
      return gate.paused;
    },
  };
}

/** Traces hand-offs (always) and replicated updates (verbose) as they complete. */
function tracedPool(pool: PeerPool, trace: (line: string) => void, verbose: boolean): PeerPool {
  return {
    close: () => pool.close(),
    openStream: (url, docId, epoch, handlers) => pool.openStream(url, docId, epoch, handlers),
    request(url, body, epoch, timeoutMs) {
      const result = pool.request(url, body, epoch, timeoutMs);
      if (body.kind === 'push' && (body.role === 'handoff' || verbose)) {
        const what = `${body.role} ${body.docId} (${body.update.length} B, epoch ${epoch}) to ${url}`;
        result.then(
          (r) => trace(`${what}: ${r.status}`),
          (e: unknown) => trace(`${what}: ${(e as Error).message}`),
        );
      }
      return result;
    },
  };
}
