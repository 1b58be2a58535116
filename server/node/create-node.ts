import { type Membership, type RingView, routingKey } from '../../ring/index.ts';
import { createNodeAuth } from '../auth/node-auth.ts';
import { createOperatorCheck } from '../auth/operator.ts';
import type { Clock } from '../clock.ts';
import type { PeerPool, PeerStream, StreamHandlers } from '../cluster/peer-client.ts';
import { createPeerService } from '../cluster/peer-service.ts';
import { createPrewarmer, waitForPrewarm } from '../cluster/prewarm.ts';
import { createProvisional } from '../cluster/provisional.ts';
import { createRebalancer, type Rebalancer } from '../cluster/rebalancer.ts';
import { createReplicator } from '../cluster/replicator.ts';
import type { NodeConfig } from '../config.ts';
import type { Coordination } from '../coordination/coordination.ts';
import { DocumentRegistry, type RemoteCopies } from '../documents/registry.ts';
import type { Room } from '../documents/room.ts';
import { Session, type SessionDeps } from '../documents/session.ts';
import { createMixedBroadcaster, VirtualConnection } from '../documents/virtual-connection.ts';
import { createHistoryKeeper } from '../history/keeper.ts';
import { documentOfHistoryRoom } from '../history/versions.ts';
import { createMetaRoutes } from '../http/meta-routes.ts';
import { createMetricsRegistry } from '../http/metrics.ts';
import { createNodeRoutes } from '../http/routes.ts';
import { createClientAddressResolver } from '../limits/cidr.ts';
import { createNodeLimits } from '../limits/node-limits.ts';
import type { Logger } from '../log.ts';
import { createLinkLookup, httpBaseOf } from '../meta/link-lookup.ts';
import { documentOfMetaRoom } from '../meta/meta-doc.ts';
import { createMetaService } from '../meta/meta-service.ts';
import { createNodeMetrics } from '../node-metrics.ts';
import type { DocStore } from '../persistence/store.ts';
import { CloseCode, PROTOCOL_VERSION } from '../protocol/index.ts';
import { decideOwner } from '../routing/owner.ts';
import type { Transport, TransportFactory } from '../transport/transport.ts';
import { createAdmission } from './admission.ts';
import { createClientBuildMetrics } from './client-builds.ts';
import { createClientRouter } from './client-router.ts';
import { createDrainer } from './drain.ts';
import { createForwarder } from './forwarder.ts';
import { registerNodeGauges } from './gauges.ts';
import { createPull } from './pull.ts';
import { createSessionTable } from './sessions.ts';
import { createViewHistory } from './view-history.ts';

/** Protocol versions this node speaks (C6). */
export const PROTOCOL_RANGE = { min: PROTOCOL_VERSION, max: PROTOCOL_VERSION } as const;

/** How long a joining node waits for the owners' pre-warm pushes (M1) before it turns active. */
const PREWARM_WAIT_MS = 15_000;

/**
 * What a node is built from. Production passes uWS, etcd, the file store, the WebSocket peer
 * pool and the system clock (`production.ts`); the convergence fuzz passes simulated ones
 * (`server/cluster/testing/sim-node.ts`). The node owns them once built: `stop` closes the
 * store, the peer pool and the coordination.
 */
export interface NodeAdapters {
  readonly transport: TransportFactory;
  readonly coordination: Coordination;
  readonly store: DocStore;
  readonly peers: PeerPool;
  readonly clock: Clock;
  readonly log: Logger;
  /** Heap in use in bytes (default `process.memoryUsage().heapUsed`). */
  readonly heapUsed?: () => number;
  /** p99 event-loop delay in seconds, recent window (default 0: not measured; production: `loop-lag.ts`). */
  readonly loopLagP99?: () => number;
  /** Observers of the node's decisions (the simulation traces them). */
  readonly observe?: NodeObservers;
}

/** Callbacks that see what a node does; none may throw. */
export interface NodeObservers {
  onServe?(session: Session, room: Room): void;
  onPulled?(docId: string, epoch: number, holders: string[], copies: RemoteCopies): void;
  onFence?(fenced: boolean): void;
}

/** A running ringdoc node: one port, its documents, its registration in the cluster. */
export interface RingdocNode {
  readonly id: string;
  /** Resolves once listening, registered and active. */
  start(): Promise<void>;
  /** Graceful stop: refuse new clients, close sockets with "retry", flush, leave the ring. */
  stop(): Promise<void>;
  /**
   * The process dies at once: every activity stops, nothing is flushed, handed off or
   * revoked (the lease expires on its own). The simulation's crash; never graceful.
   */
  halt(): void;
  /** The bound port (after start). */
  port(): number;
  /** Planned leave (M2); see `Drainer.drain`. Also triggered by a drain request (`ringdoc drain`). */
  drain(): Promise<void>;
  /** Resolves once a drain has completed (the process should then exit 0). */
  readonly drained: Promise<void>;
  /** `null` when ready (registered, ring caught up, not fenced), else the reason. */
  notReadyReason(): string | null;
  /** The latest membership view. */
  view(): RingView | null;
  /** This node's registration, once registered. */
  membership(): Membership | null;
  /** True after `start` completed. */
  readonly started: boolean;
  /**
   * Documents served provisionally (P32) plus a pending pass for foreign copies (P31): work
   * the node still has to do to hand state on.
   */
  pendingHandBack(): number;
  readonly registry: DocumentRegistry;
  readonly rebalancer: Rebalancer;
  readonly store: DocStore;
}

/**
 * The composition root of a node: wiring only. Admission (`admission.ts`), the owner decision
 * and load (`client-router.ts`), pull on load (`pull.ts`), the drain (`drain.ts`), replication,
 * rebalancing and pre-warm (`server/cluster/`) are modules of their own; this function builds
 * them over the adapters and connects their events.
 */
export function createNode(config: NodeConfig, adapters: NodeAdapters): RingdocNode {
  const { coordination, store, clock, log } = adapters;
  const pool = adapters.peers;
  const heapUsed = adapters.heapUsed ?? (() => process.memoryUsage().heapUsed);
  const metricsRegistry = createMetricsRegistry();
  const metrics = createNodeMetrics(metricsRegistry);
  const sessions = createSessionTable();
  const limits = createNodeLimits(config.limits, clock.now);
  const auth = config.ticketPublicKey
    ? createNodeAuth({
        publicKeys: config.ticketPublicKey,
        linkStatus: (linkId, docId) => linkLookup(linkId, docId),
        log,
        clock,
        ...config.limits,
      })
    : null;
  const history = createViewHistory();
  const view = () => coordination.view();
  const epoch = () => view()?.epoch ?? 0;
  let transport: Transport | null = null;
  let boundPort = 0;
  let membership: Membership | null = null;
  let stopping = false;
  let halted = false;
  let started = false;
  const cleanups: Array<() => void> = [];
  const isFenced = () => membership?.isFenced() ?? true;
  // Virtual connections (forwarding streams, their mirrors' seats) get ids no socket has.
  let nextVirtualId = 2 ** 40;
  const nextConnectionId = () => nextVirtualId++;
  const broadcaster = createMixedBroadcaster(() => transport?.broadcaster);

  const replicate = createReplicator({
    selfId: config.id,
    view,
    pool,
    log,
    clock,
    replicas: config.replicas,
    durability: config.durability,
  });

  const registry: DocumentRegistry = new DocumentRegistry({
    replicate,
    pullRemote: createPull({
      selfId: config.id,
      replicas: config.replicas,
      view,
      history,
      pool,
      clock,
      metrics,
      ...(adapters.observe?.onPulled ? { onPulled: adapters.observe.onPulled } : {}),
    }),
    store,
    broadcaster,
    log,
    metrics,
    clock,
    heapUsed,
    maxAwarenessBytes: config.maxAwarenessBytes,
    idleUnloadMs: config.idleUnloadMs,
    idleEncodeMs: config.idleEncodeMs,
    encodedCacheBytes: config.encodedCacheBytes,
    // version history is read from the store when asked for, never kept in memory idle (W6)
    cacheUnloaded: (docId) => documentOfHistoryRoom(docId) === null,
    heapHighWaterBytes: config.heapHighWaterBytes,
    onRoomFault: (room) => room.closeAll(CloseCode.RETRY, 'document storage failed; reconnect'),
    onRoomOpened: (room) => versions.track(room),
    // P32: a provisional room stays loaded until it is handed back.
    pinned: (room) => router.provisional?.holds(room) ?? false,
  });

  // Version history (W6): kept in each document's sub-room `<docId>/versions`.
  const versions = createHistoryKeeper({
    acquire: (docId) => registry.acquire(docId),
    canWrite: (docId) => mayWrite(docId),
    log,
    now: clock.now,
    timers: clock,
    ...(config.history ? { settings: config.history } : {}),
  });

  // Per-document metadata (R7, PROTOCOL K1–K5): index entry, seeding, links in `<docId>/meta`.
  const mayWrite = (docId: string) =>
    !stopping &&
    !halted &&
    !drainer.running &&
    membership !== null &&
    !membership.isFenced() &&
    decideOwner(view(), config.id, docId).kind === 'serve';
  const meta = createMetaService({
    acquire: (docId) => registry.acquire(docId),
    canWrite: mayWrite,
    ownerOf: (docId) => {
      const decision = decideOwner(view(), config.id, docId);
      return decision.kind === 'redirect'
        ? { owner: decision.owner, url: httpBaseOf(decision.url) }
        : { owner: null, url: null };
    },
    onRevoked: (linkId) => auth?.revoke(linkId),
    log,
    now: clock.now,
  });
  const linkLookup = createLinkLookup({
    selfId: config.id,
    view,
    local: (docId, linkId) => meta.link(docId, linkId),
    clusterSecret: config.clusterSecret,
  });
  const operators = createOperatorCheck(config);
  const metaRoutes = createMetaRoutes({
    meta,
    operators,
    ownedDocuments: async () => {
      const rooms = new Set([
        ...(await store.list()),
        ...[...registry.loadedRooms()].map((room) => room.docId),
      ]);
      return [...rooms]
        .map((room) => documentOfMetaRoom(room))
        .filter(
          (docId): docId is string =>
            docId !== null && decideOwner(view(), config.id, docId).kind === 'serve',
        )
        .sort();
    },
    revoke: (linkId) => auth?.revoke(linkId) ?? 0,
  });

  const router = createClientRouter({
    selfId: config.id,
    view,
    waitForEpoch: (e, t) => coordination.waitForEpoch(e, t),
    epochWaitMs: config.epochWaitMs,
    registry,
    sessions,
    metrics,
    log,
    ...(adapters.observe?.onServe ? { onServe: adapters.observe.onServe } : {}),
    forward: (session) => forwarder.attach(session),
    hidden: (docId) => documentOfMetaRoom(docId) !== null,
    after: (ms, fn) => {
      clock.after(ms, fn);
    },
    moveGraceMs: config.moveGraceMs,
    timer: clock.after,
    provisional: createProvisional({
      selfId: config.id,
      replicas: config.replicas,
      view,
      pool,
      clock,
      log,
      isFenced,
      room: (docId) => registry.acquire(docId),
      redirectClients: (room, v) => router.redirectClients(room, v),
      onReleased: () => rebalancer.schedule(),
    }),
  });

  const forwarder = createForwarder({
    selfId: config.id,
    view,
    pool,
    openLocal: (docId, e, sink) => serveStream(docId, e, sink),
    broadcaster,
    clock,
    log,
    metrics,
    maxAwarenessBytes: config.maxAwarenessBytes,
    nextConnectionId,
  });

  const rebalancer = createRebalancer({
    selfId: config.id,
    replicas: config.replicas,
    registry,
    store,
    pool,
    log,
    clock,
    view,
    redirectClients: router.redirectClients,
    provisional: (room) => router.provisional?.holds(room) ?? false,
    paused: () => !membership || membership.isFenced() || membership.record().state === 'joining',
  });

  const drainer = createDrainer({
    selfId: config.id,
    membership: () => membership,
    coordination,
    rebalancer,
    registry,
    store,
    view,
    redirectClients: router.redirectClients,
    clock,
    log,
    halted: () => halted || stopping,
  });

  const prewarm = createPrewarmer({
    selfId: config.id,
    vnodes: config.vnodes,
    registry,
    store,
    pool,
    coordination,
    log,
  });

  const sessionDeps: SessionDeps = {
    limits,
    nodeId: config.id,
    log,
    metrics,
    maxPendingBytes: config.maxPendingBytes,
    epoch,
    protocolVersion: PROTOCOL_VERSION,
    isFenced,
    onRequest: versions.handleRequest,
    // a room nobody edits is kept encoded once its clients caught up (issue 14)
    afterCatchUp: (room) => registry.settleCatchUp(room),
    isReadOnlyRoom: (docId: string) =>
      documentOfHistoryRoom(docId) !== null || documentOfMetaRoom(docId) !== null,
    // over a rate limit, frames wait instead of the socket being closed (P22 pacing)
    pace: clock.after,
  };

  // The owner's end of a forwarding stream (C10, I8): a ringdoc-protocol session over a
  // virtual connection. Peers are trusted (cluster secret) and their clients were admitted,
  // limited and authorised on the node they reached: no ticket, no per-connection limits.
  const streamDeps: SessionDeps = { ...sessionDeps, limits: undefined };
  const serveStream = (docId: string, streamEpoch: number, sink: PeerStream): StreamHandlers => {
    const conn = new VirtualConnection(nextConnectionId(), {
      send: (frame) => sink.send(frame),
      close: (code, reason) => {
        sink.close(code, reason);
        finish();
      },
    });
    const session = new Session(
      conn,
      { docId, proto: PROTOCOL_VERSION, epoch: streamEpoch },
      streamDeps,
    );
    const finish = () => {
      session.closed();
      sessions.delete(session);
    };
    sessions.add(session);
    const why = unavailable();
    if (why !== null) session.reject(CloseCode.RETRY, why, { retryAfterMs: 1000 });
    else void router.route(session);
    return {
      frame: (frame) => session.receive(frame),
      close: () => {
        conn.closed = true;
        finish();
      },
    };
  };

  // P31: a copy of a document this node does not hold (the extra member a provisional holder
  // or a holder without its replica sends to) is handed to the holders by the rebalancer
  // (M6); one pass a second at most, however many such pushes arrive.
  let foreignPass: (() => void) | null = null;
  const foreignCopy = () => {
    if (foreignPass !== null || halted || stopping) return;
    foreignPass = clock.after(1000, () => {
      foreignPass = null;
      if (!halted && !stopping) rebalancer.schedule();
    });
  };
  cleanups.push(() => foreignPass?.());

  function unavailable(): string | null {
    if (stopping || halted) return 'node shutting down';
    if (membership === null) return 'node not registered';
    if (membership.isFenced()) return 'node fenced from the cluster';
    return null;
  }

  const admission = createAdmission({
    clientAddress: createClientAddressResolver(config.trustedProxies),
    limits,
    sessions,
    sessionDeps,
    metrics,
    allowedOrigins: config.allowedOrigins,
    protocols: PROTOCOL_RANGE,
    gate: () => ({
      minClientBuild: coordination.setting('min-client-build'),
      requireClientBuild: coordination.setting('require-client-build') === 'true',
    }),
    unavailable,
    auth,
    clientBuilds: createClientBuildMetrics(metricsRegistry),
    now: clock.now,
    route: (session) => {
      if (config.faultRefuseDocs?.test(session.info.docId)) {
        metrics.loadFailures.inc();
        session.reject(CloseCode.LOAD_FAILED, 'fault injected: --fault-refuse-docs');
        return;
      }
      void router.route(session);
    },
    nextConnectionId,
  });

  function onFenceChange(fenced: boolean): void {
    adapters.observe?.onFence?.(fenced);
    if (!fenced) {
      log.info('lease re-established; accepting clients again');
      // Passes are skipped while fenced: a view that arrived meanwhile (a holder that came
      // back, say) has not been acted on yet.
      rebalancer.schedule();
      return;
    }
    log.warn('fenced: keepalives not acknowledged; closing clients with retry');
    for (const session of sessions.all()) {
      session.reject(CloseCode.RETRY, 'node fenced from the cluster', { retryAfterMs: 1000 });
    }
    // In-memory state may now be behind the cluster: serve nothing from it again.
    registry.dropAll();
  }

  function onView(next: RingView, previous: RingView | null): void {
    if (halted) return;
    history.note(previous);
    if (membership) rebalancer.schedule();
    prewarm(next);
    forwarder.viewChanged();
    if (next.ring.members.join() !== previous?.ring.members.join()) {
      log.info('ring changed', { epoch: next.epoch, members: next.ring.members });
    }
  }

  function notReadyReason(): string | null {
    if (stopping || halted) return 'stopping';
    if (drainer.running) return 'draining';
    if (!membership) return 'not registered';
    if (membership.isFenced()) return 'fenced';
    const current = view();
    if (!current) return 'membership view not ready';
    if (!current.members.has(config.id)) return 'own member record not yet seen';
    return null;
  }

  registerNodeGauges(metricsRegistry, {
    registry,
    sessions: () => sessions.size,
    fenced: () => membership?.isFenced() ?? false,
    epoch,
    members: () => view()?.ring.members.length ?? 0,
    heapUsed,
    loopLagP99: adapters.loopLagP99 ?? (() => 0),
    startedAtMs: clock.now(),
    build: config.build,
  });

  const drain = () => drainer.drain();

  function shutDownActivity(): void {
    rebalancer.stop();
    router.provisional?.stop();
    forwarder.stop();
    for (const cleanup of cleanups.splice(0)) cleanup();
  }

  return {
    id: config.id,
    registry,
    rebalancer,
    store,
    drain,
    drained: drainer.drained,
    port: () => boundPort,
    notReadyReason,
    view,
    membership: () => membership,
    get started() {
      return started;
    },
    pendingHandBack: () => (router.provisional?.size ?? 0) + (foreignPass ? 1 : 0),
    async start() {
      await auth?.start();
      transport = adapters.transport({
        onOpen: admission.open,
        onInternal: createPeerService({
          registry,
          store,
          log,
          epoch,
          ringMembers: () => view()?.ring.members.join(',') ?? '',
          waitForEpoch: (e, t) => coordination.waitForEpoch(e, t),
          isFenced,
          openStream: serveStream,
          loadOnHandoff: (docId) => {
            const current = view();
            if (!current) return false;
            if (current.members.get(config.id)?.state === 'joining') return true;
            return current.ring.ownerOf(routingKey(docId)) === config.id;
          },
          onForeignCopy: foreignCopy,
          holds: (docId) =>
            view()?.ring.preferenceList(routingKey(docId), config.replicas).includes(config.id) ??
            true,
        }),
        routes: createNodeRoutes({
          id: config.id,
          replicas: config.replicas,
          view,
          notReadyReason,
          metricsText: () => metricsRegistry.render(),
          stats: () => ({ documents: registry.loadedCount, connections: sessions.size }),
          documents: async () => ({
            loaded: [...registry.loadedRooms()].map((room) => room.docId).sort(),
            stored: (await store.list()).sort(),
          }),
          operators,
          allowedOrigins: config.allowedOrigins,
          extra: metaRoutes.get,
        }),
        postRoutes: metaRoutes.post,
      });
      boundPort = await transport.listen();
      registry.start();
      versions.start();
      await coordination.start();
      if (halted) return;
      cleanups.push(coordination.onView(onView));
      cleanups.push(
        coordination.onSetting((name) => {
          if (name === 'min-client-build' || name === 'require-client-build') {
            admission.enforceGate();
          }
        }),
      );
      const registered = await coordination.register(
        {
          id: config.id,
          publicUrl: config.publicUrl,
          internalUrl: config.internalUrl,
          build: config.build,
          protocol: PROTOCOL_RANGE,
          state: 'joining',
          startedAt: clock.now(),
        },
        config.leaseTtlSeconds,
      );
      if (halted) return;
      membership = registered;
      cleanups.push(registered.onFenceChange(onFenceChange));
      // M1: owners push this node the documents it will own before it takes them over.
      const owners = [...(view()?.ring.members ?? [])].filter((m) => m !== config.id);
      const late = await waitForPrewarm(coordination, clock, config.id, owners, PREWARM_WAIT_MS);
      if (halted) return;
      if (late.length > 0) log.warn('joining without pre-warm from some owners', { late });
      await registered.setState('active');
      if (halted) return;
      rebalancer.schedule();
      cleanups.push(
        await coordination.onDrainRequest(config.id, () => {
          drain().catch(() => {
            // Logged by the drainer; the request stays, so ops can retry it.
          });
        }),
      );
      started = true;
      log.info('node started', { port: boundPort });
    },
    async stop() {
      if (stopping || halted) return;
      stopping = true;
      shutDownActivity();
      transport?.stopListening();
      for (const session of sessions.all()) {
        session.reject(CloseCode.RETRY, 'node shutting down', { retryAfterMs: 500 });
      }
      // The peer service sends what a turn wrote at its end: forwarding streams' closes (4503)
      // leave before their links do.
      await new Promise<void>((resolve) => process.nextTick(resolve));
      transport?.closeAll();
      await versions.stop();
      await registry.stop();
      await auth?.stop();
      await store.close();
      await membership?.leave().catch((error: unknown) => log.warn('leave failed', { error }));
      await coordination.close();
      pool.close();
      log.info('node stopped');
    },
    halt() {
      if (halted) return;
      halted = true;
      shutDownActivity();
      for (const session of sessions.all()) session.closed();
      void versions.stop();
      registry.dropAll();
      void registry.stop();
      void auth?.stop();
      void coordination.close();
      pool.close();
    },
  };
}
