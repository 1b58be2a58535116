import type { MemberState } from '../../../ring/etcd/member-record.ts';
import type { RingView } from '../../../ring/etcd/types.ts';
import type { Connection } from '../../documents/connection.ts';
import {
  DocumentLoadError,
  DocumentRegistry,
  type RemoteCopies,
} from '../../documents/registry.ts';
import type { Room } from '../../documents/room.ts';
import { Session } from '../../documents/session.ts';
import { createMemoryBroadcaster } from '../../documents/testing/memory-transport.ts';
import { createMetricsRegistry } from '../../http/metrics.ts';
import type { Logger } from '../../log.ts';
import { createNodeMetrics } from '../../node-metrics.ts';
import type { MemoryBacking } from '../../persistence/memory-store.ts';
import type { DocStore } from '../../persistence/store.ts';
import {
  CloseCode,
  closeReason,
  PROTOCOL_VERSION,
  ProtocolError,
  parseConnectUrl,
} from '../../protocol/index.ts';
import { decideOwner } from '../../routing/owner.ts';
import type { SocketHandler } from '../../transport/uws-server.ts';
import { createPeerService } from '../peer-service.ts';
import { createRebalancer, type Rebalancer } from '../rebalancer.ts';
import { createReplicator } from '../replicator.ts';
import { holdersOf, possibleHolders } from '../targets.ts';
import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';
import { openSimDisk } from './sim-disk.ts';
import { type SimMembership, simRecord, type ViewSubscription } from './sim-membership.ts';
import type { SimNetwork } from './sim-network.ts';
import { createSimPeerPool, type InternalDirectory } from './sim-peer-pool.ts';

export type SimNodeStatus = 'starting' | 'up' | 'left' | 'crashed';

export interface SimNodeOptions {
  readonly id: string;
  readonly clock: SimClock;
  readonly net: SimNetwork;
  readonly prng: Prng;
  readonly membership: SimMembership;
  /** The node's disk: survives crashes (a restart opens a new store over it). */
  readonly backing: MemoryBacking;
  readonly directory: InternalDirectory;
  readonly nextConnId: () => number;
  /** Copies per document (R, default 2). */
  readonly replicas?: number;
  /** Member state to register with (a restart or join: `joining`; the initial cluster: `active`). */
  readonly initialState: MemberState;
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
  /** A client socket reached this node (`pathAndQuery` as in C1). */
  acceptClient(conn: Connection, pathAndQuery: string): SocketHandler;
  /** The `/internal` handler, or `null` when the process is gone. */
  internalHandler(): ((conn: Connection) => SocketHandler) | null;
  /** The process dies: memory, sockets and unsynced writes are lost; the lease expires later. */
  crash(): void;
  /** Cut off from etcd: no views; fences itself after `fenceAfterMs`, lease lost after `expireAfterMs`. */
  partitionFromEtcd(fenceAfterMs: number, expireAfterMs: number): void;
  /** etcd reachable again: catches up, re-registers if the lease was lost, unfences. */
  healEtcd(): void;
  readonly etcdPartitioned: boolean;
  /** Planned leave (M2) as `node.ts` runs it. */
  drain(): void;
  readonly draining: boolean;
  /** Loaded rooms with writes under way (settle check). */
  pendingWrites(): number;
  /** Unloads every idle room now (the idle sweep, N1). */
  sweepIdle(): void;
}

/**
 * A node composed from the real modules exactly as `server/node.ts` wires them — registry,
 * sessions, replicator, pull on load via `possibleHolders` + FETCH, the peer service, the
 * rebalancer after every view change, fencing that drops every room, drain — with the
 * simulated network, disk, etcd and clock in place of uWS, the file store, etcd and time.
 * The pre-warm of joining members (an optimisation outside correctness) is not simulated.
 */
export function createSimNode(options: SimNodeOptions): SimNode {
  const { id, clock, membership, log } = options;
  const replicas = options.replicas ?? 2;
  const metrics = createNodeMetrics(createMetricsRegistry());
  const disk = openSimDisk(options.backing, clock, options.prng);
  const store = disk.store;
  const sessions = new Set<Session>();
  const broadcaster = createMemoryBroadcaster();
  let status: SimNodeStatus = 'starting';
  let current: RingView | null = null;
  const history: RingView[] = [];
  let lease: number | null = null;
  let registered = false;
  let fenced = false;
  let desired: MemberState = options.initialState;
  let etcdPartitioned = false;
  let partitionTimers: Array<() => void> = [];
  let draining = false;
  const waiters = new Set<{ epoch: number; done: (ok: boolean) => void }>();
  const trace = (line: string) => options.trace(`${id} ${line}`);

  const alive = () => status === 'starting' || status === 'up';
  const isFenced = () => !registered || fenced;

  const rawPool = createSimPeerPool({
    host: id,
    net: options.net,
    clock,
    directory: options.directory,
    nextConnId: options.nextConnId,
  });
  const pool: typeof rawPool = {
    close: () => rawPool.close(),
    request(url, body, epoch, timeoutMs) {
      const result = rawPool.request(url, body, epoch, timeoutMs);
      if (body.kind === 'push' && body.role === 'handoff') {
        const what = `hand-off ${body.docId} (${body.update.length} B, epoch ${epoch}) to ${url}`;
        result.then(
          (r) => trace(`${what}: ${r.status}`),
          (e: unknown) => trace(`${what}: ${(e as Error).message}`),
        );
      }
      return result;
    },
  };
  const currentView = () => current;
  const realReplicate = createReplicator({
    selfId: id,
    view: currentView,
    pool,
    log,
    replicas,
    durability: 'replica',
  });
  const replicate: typeof realReplicate = (docId, generation, update) => {
    const result = realReplicate(docId, generation, update);
    if (options.verbose) {
      const view = current;
      const to = view ? holdersOf(view, docId, replicas, id).map((t) => t.id) : [];
      result.then(
        () =>
          trace(
            `replicated ${update.length} B of ${docId} (view ${view?.epoch} → ${to.join(',') || 'nobody'})`,
          ),
        (e: unknown) => trace(`replication of ${docId} failed: ${(e as Error).message}`),
      );
    }
    return result;
  };

  async function pullRemote(docId: string): Promise<RemoteCopies> {
    const view = currentView();
    if (!view) return { copies: [], candidates: 0, answered: 0 };
    const holders = possibleHolders(history, view, docId, replicas, id);
    const answers = await Promise.allSettled(
      holders.map((h) => pool.request(h.internalUrl, { kind: 'fetch', docId }, view.epoch, 1000)),
    );
    const copies: Array<{ generation: string; state: Uint8Array }> = [];
    let answered = 0;
    for (const a of answers) {
      if (a.status !== 'fulfilled' || a.value.status !== 'ok') continue;
      answered++;
      if (a.value.doc) copies.push(a.value.doc);
    }
    trace(
      `pull ${docId} at epoch ${view.epoch}: ${holders.map((h) => h.id).join(',') || 'no candidates'} → ${answered} answered, ${copies.length} copies${copies.map((c) => ` ${c.generation.slice(0, 6)}`).join('')}`,
    );
    return { copies, candidates: holders.length, answered };
  }

  const registry: DocumentRegistry = new DocumentRegistry({
    replicate,
    pullRemote,
    // server/cluster/generations.ts over the simulated etcd: unreachable while cut off.
    agreeGeneration: async (docId, proposed) => {
      if (subscription.stalled) throw new Error('etcd unreachable');
      return membership.agreeGeneration(docId, proposed);
    },
    store,
    broadcaster,
    log,
    metrics,
    maxAwarenessBytes: 64 * 1024,
    idleUnloadMs: 1500,
    encodedCacheBytes: 1 << 20,
    heapHighWaterBytes: Number.MAX_SAFE_INTEGER,
    onRoomFault: (room) => room.closeAll(CloseCode.RETRY, 'document storage failed; reconnect'),
  });

  function redirectClients(room: Room, view: RingView): void {
    const decision = decideOwner(view, id, room.docId);
    if (decision.kind !== 'redirect') return;
    for (const session of [...sessions]) {
      if (session.currentRoom === room) session.redirect(decision);
    }
  }

  const rebalancer = createRebalancer({
    selfId: id,
    replicas,
    registry,
    store,
    pool,
    log,
    view: currentView,
    redirectClients,
    paused: () => !registered || isFenced() || desired === 'joining',
  });

  const currentEpoch = () => current?.epoch ?? 0;

  const waitForEpoch = (epoch: number, timeoutMs: number): Promise<boolean> => {
    if (currentEpoch() >= epoch) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        epoch,
        done: (ok: boolean) => {
          waiters.delete(waiter);
          cancel();
          resolve(ok);
        },
      };
      const cancel = clock.after(timeoutMs, () => waiter.done(false));
      waiters.add(waiter);
    });
  };

  const sessionDeps = {
    nodeId: id,
    log,
    metrics,
    maxPendingBytes: 1 << 20,
    epoch: currentEpoch,
    protocolVersion: PROTOCOL_VERSION,
    isFenced,
  };

  function acceptClient(conn: Connection, pathAndQuery: string): SocketHandler {
    let info: ReturnType<typeof parseConnectUrl>;
    try {
      info = parseConnectUrl(pathAndQuery);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.reason : 'bad request';
      conn.close(CloseCode.BAD_REQUEST, closeReason(CloseCode.BAD_REQUEST, reason));
      return { message: () => {}, close: () => {} };
    }
    const session = new Session(conn, info, sessionDeps);
    sessions.add(session);
    const handler = {
      message: (frame: Uint8Array) => session.receive(frame),
      close: () => {
        session.closed();
        sessions.delete(session);
      },
    };
    if (!alive() || !registered || isFenced()) {
      session.reject(CloseCode.RETRY, registered ? 'node fenced' : 'node not registered', {
        retryAfterMs: 1000,
      });
      return handler;
    }
    void route(session);
    return handler;
  }

  async function route(session: Session): Promise<void> {
    const wanted = session.info.epoch;
    if (wanted !== undefined && wanted > currentEpoch()) await waitForEpoch(wanted, 1000);
    if (session.conn.closed) return;
    const decision = decideOwner(current, id, session.info.docId);
    if (decision.kind === 'redirect') {
      session.redirect(decision);
      return;
    }
    if (decision.kind === 'unavailable') {
      session.reject(CloseCode.RETRY, decision.reason, { retryAfterMs: 1000 });
      return;
    }
    try {
      const room = await registry.acquire(session.info.docId);
      if (session.conn.closed) return;
      trace(`serves ${room.docId} (gen ${room.generation.slice(0, 6)}) to conn ${session.conn.id}`);
      session.attach(room);
    } catch (error) {
      if (error instanceof DocumentLoadError) {
        trace(`load of ${session.info.docId} failed: ${error.message}`);
        session.reject(CloseCode.LOAD_FAILED, error.message, { retryAfterMs: 5000 });
        return;
      }
      throw error;
    }
  }

  const peerHandler = createPeerService({
    registry,
    store,
    log,
    epoch: currentEpoch,
    ringMembers: () => currentView()?.ring.members.join(',') ?? '',
    waitForEpoch,
    isFenced,
  });

  function onFenceChange(nowFenced: boolean): void {
    trace(nowFenced ? 'fenced: drops every room' : 'unfenced');
    if (!nowFenced) {
      rebalancer.schedule();
      return;
    }
    for (const session of [...sessions]) {
      session.reject(CloseCode.RETRY, 'node fenced from the cluster', { retryAfterMs: 1000 });
    }
    registry.dropAll();
  }

  function deliverView(view: RingView): void {
    if (!alive()) return;
    const previous = current;
    current = view;
    if (options.verbose) trace(`sees view ${view.epoch} [${view.ring.members.join(',')}]`);
    if (previous) {
      history.unshift(previous);
      if (history.length > 8) history.pop();
    }
    if (registered) rebalancer.schedule();
    for (const w of [...waiters]) if (view.epoch >= w.epoch) w.done(true);
  }

  /** An etcd write by this node: takes effect after a round trip, unless it died meanwhile. */
  function etcdWrite(fn: () => void): Promise<boolean> {
    return new Promise((resolve) => {
      clock.after(options.prng.int(1, 10), () => {
        if (!alive() || etcdPartitioned) {
          resolve(false);
          return;
        }
        fn();
        resolve(true);
      });
    });
  }

  function register(): Promise<boolean> {
    const grant = membership.grantLease();
    return etcdWrite(() => {
      lease = grant;
      membership.put(simRecord(id, desired), grant);
      registered = true;
    });
  }

  const subscription: ViewSubscription = membership.subscribe(deliverView);
  registry.start();

  async function start(): Promise<void> {
    await clock.sleep(options.prng.int(1, 20));
    if (!alive()) return;
    if (!(await register())) return;
    if (desired === 'joining') {
      // (pre-warm wait not simulated)
      await clock.sleep(options.prng.int(5, 60));
      if (!alive()) return;
      desired = 'active';
      if (!(await etcdWrite(() => membership.put(simRecord(id, desired), lease as number)))) {
        return;
      }
    }
    status = 'up';
    trace(`up (${desired})`);
    rebalancer.schedule();
  }

  async function runDrain(): Promise<void> {
    trace('draining');
    desired = 'draining';
    if (!(await etcdWrite(() => membership.put(simRecord(id, desired), lease as number)))) return;
    for (;;) {
      if (!alive()) return;
      await rebalancer.idle();
      if (!alive()) return;
      for (const room of [...registry.loadedRooms()]) {
        const view = currentView();
        if (view) redirectClients(room, view);
        registry.unloadIfIdle(room);
      }
      const stored = await store.list().catch(() => ['?']);
      if (!alive()) return;
      if (registry.loadedCount === 0 && stored.length === 0) break;
      rebalancer.schedule();
      await clock.sleep(200);
    }
    if (!(await etcdWrite(() => membership.expire(id, lease as number)))) return;
    trace('drained: left the ring; process exits');
    exit('left');
  }

  function exit(final: SimNodeStatus): void {
    status = final;
    subscription.close();
    for (const cancel of partitionTimers) cancel();
    partitionTimers = [];
    for (const w of [...waiters]) w.done(false);
    rebalancer.stop();
    pool.close();
    options.net.abortHost(id);
    for (const session of [...sessions]) session.closed();
    sessions.clear();
    registry.dropAll();
    void registry.stop();
    disk.crash();
  }

  void start();

  return {
    id,
    registry,
    store,
    rebalancer,
    status: () => status,
    serving: () => alive() && registered && !fenced,
    isFenced: () => fenced,
    memberState: () => desired,
    view: currentView,
    acceptClient,
    internalHandler: () => (alive() ? peerHandler : null),
    crash() {
      if (!alive()) return;
      trace('crashed');
      const held = lease;
      exit('crashed');
      if (held !== null) {
        const ttl = options.prng.int(300, 1500);
        clock.after(ttl, () => membership.expire(id, held));
      }
    },
    partitionFromEtcd(fenceAfterMs, expireAfterMs) {
      if (!alive() || etcdPartitioned) return;
      trace('partitioned from etcd');
      etcdPartitioned = true;
      subscription.stall();
      const held = lease;
      partitionTimers.push(
        clock.after(fenceAfterMs, () => {
          if (fenced || !alive()) return;
          fenced = true;
          onFenceChange(true);
        }),
      );
      if (held !== null) {
        partitionTimers.push(clock.after(expireAfterMs, () => membership.expire(id, held)));
      }
    },
    healEtcd() {
      if (!alive() || !etcdPartitioned) return;
      trace('etcd reachable again');
      etcdPartitioned = false;
      for (const cancel of partitionTimers) cancel();
      partitionTimers = [];
      subscription.resume();
      const relisted = () => {
        if (!alive() || etcdPartitioned) return;
        if (fenced) {
          fenced = false;
          onFenceChange(false);
        }
      };
      if (lease === null || membership.leaseOf(id) !== lease) {
        registered = false;
        void register().then((ok) => ok && relisted());
      } else {
        void etcdWrite(() => {}).then((ok) => ok && relisted());
      }
    },
    get etcdPartitioned() {
      return etcdPartitioned;
    },
    drain() {
      if (!alive() || draining || status !== 'up') return;
      draining = true;
      void runDrain();
    },
    get draining() {
      return draining;
    },
    pendingWrites: () => {
      let n = 0;
      for (const room of registry.loadedRooms()) if (room.hasPendingWrites) n++;
      return n;
    },
    sweepIdle: () => registry.sweep(Number.MAX_SAFE_INTEGER),
  };
}
