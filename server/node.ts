import { mkdir } from 'node:fs/promises';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../ring/etcd/client.ts';
import { watchConfig } from '../ring/etcd/config-watcher.ts';
import { joinCluster } from '../ring/etcd/membership.ts';
import { watchMembers } from '../ring/etcd/membership-watcher.ts';
import type { ConfigWatcher, Membership, MembershipWatcher, RingView } from '../ring/etcd/types.ts';
import { createNodeAuth } from './auth/node-auth.ts';
import { createGenerations } from './cluster/generations.ts';
import { createPeerPool } from './cluster/peer-client.ts';
import { createPeerService } from './cluster/peer-service.ts';
import { createPrewarmer, waitForPrewarm } from './cluster/prewarm.ts';
import { createRebalancer } from './cluster/rebalancer.ts';
import { createReplicator } from './cluster/replicator.ts';
import { possibleHolders } from './cluster/targets.ts';
import type { NodeConfig } from './config.ts';
import type { Connection } from './documents/connection.ts';
import { DocumentLoadError, DocumentRegistry, type RemoteCopies } from './documents/registry.ts';
import type { Room } from './documents/room.ts';
import { Session } from './documents/session.ts';
import { createHistoryKeeper } from './history/keeper.ts';
import { documentOfHistoryRoom } from './history/versions.ts';
import { createMetricsRegistry } from './http/metrics.ts';
import { createNodeRoutes } from './http/routes.ts';
import { createNodeLimits } from './limits/node-limits.ts';
import type { Logger } from './log.ts';
import { createNodeMetrics } from './node-metrics.ts';
import { createFileStore } from './persistence/file-store.ts';
import type { DocStore } from './persistence/store.ts';
import {
  CloseCode,
  closeReason,
  encodeUpgradeRequired,
  PROTOCOL_VERSION,
  ProtocolError,
  parseConnectUrl,
} from './protocol/index.ts';
import { decideOwner } from './routing/owner.ts';
import { checkClient, type GateSettings } from './routing/version-gate.ts';
import { loadNativeUws } from './transport/uws-native.ts';
import { createUwsTransport, type Transport, type UpgradeInfo } from './transport/uws-server.ts';

/** Protocol versions this node speaks (C6). */
export const PROTOCOL_RANGE = { min: PROTOCOL_VERSION, max: PROTOCOL_VERSION } as const;

export interface NodeDeps {
  readonly log: Logger;
  /** Overrides the file store (tests). */
  readonly store?: DocStore;
  /** Overrides the etcd client (tests share one); the node then does not close it. */
  readonly etcd?: Etcd3;
}

/** A running ringdoc node: one uWS port, its documents, its etcd registration. */
export interface RingdocNode {
  readonly id: string;
  /** Resolves once listening and registered in etcd. */
  start(): Promise<void>;
  /** Graceful stop: refuse new clients, close sockets with "retry", flush, leave the ring. */
  stop(): Promise<void>;
  /** The bound port (after start). */
  port(): number;
  /**
   * Planned leave (DESIGN M2): turns `draining` (out of the ring), hands every document to
   * its new holders, redirects clients, waits for acknowledgements, then revokes the lease.
   * Also triggered by the etcd key `<prefix>control/<id>/drain` (`ringdoc drain <id>`).
   */
  drain(): Promise<void>;
  /** Resolves once a drain has completed (the process should then exit 0). */
  readonly drained: Promise<void>;
  /** `null` when ready (registered, ring caught up, not fenced), else the reason. */
  notReadyReason(): string | null;
  readonly registry: DocumentRegistry;
}

/**
 * The composition root of a node: wires store, registry, sessions, routing, the version gate,
 * the uWS transport and the etcd membership. Holds no logic of its own beyond the
 * connection lifecycle (open → owner decision → load → serve).
 */
export function createNode(config: NodeConfig, deps: NodeDeps): RingdocNode {
  const log = deps.log;
  const metricsRegistry = createMetricsRegistry();
  const metrics = createNodeMetrics(metricsRegistry);
  const store =
    deps.store ??
    createFileStore({ dir: config.dataDir, groupCommitMs: config.groupCommitMs, log });
  const sessions = new Set<Session>();
  // Access control and abuse limits (SECURITY.md, PROTOCOL.md P21/P22).
  const limits = createNodeLimits(config.limits);
  const auth = config.ticketPublicKey
    ? createNodeAuth({
        publicKeys: config.ticketPublicKey,
        prefix: config.prefix,
        log,
        ...config.limits,
      })
    : null;
  let transport: Transport | null = null;
  let boundPort = 0;
  let etcd: Etcd3 | null = null;
  let watcher: MembershipWatcher | null = null;
  let configWatcher: ConfigWatcher | null = null;
  let membership: Membership | null = null;
  let stopping = false;
  let draining: Promise<void> | null = null;
  let markDrained: () => void = () => {};
  const drained = new Promise<void>((resolve) => {
    markDrained = resolve;
  });
  let stopControlWatch: () => void = () => {};
  let prewarm: ((view: RingView) => void) | null = null;

  const pool = createPeerPool({ secret: config.clusterSecret, log });
  const history: RingView[] = [];
  const currentView = () => watcher?.current() ?? null;
  const replicate = createReplicator({
    selfId: config.id,
    view: currentView,
    pool,
    log,
    replicas: config.replicas,
    durability: config.durability,
  });

  /** Pull on load (M1, M4): the copies of every node that may hold the document. */
  async function pullRemote(docId: string): Promise<RemoteCopies> {
    const view = currentView();
    if (!view) return { copies: [], candidates: 0, answered: 0 };
    const holders = possibleHolders(history, view, docId, config.replicas, config.id);
    const started = performance.now();
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
    metrics.pullSeconds.observe((performance.now() - started) / 1000);
    return { copies, candidates: holders.length, answered };
  }

  const generations = createGenerations({ client: () => etcd, prefix: config.prefix });

  const registry: DocumentRegistry = new DocumentRegistry({
    replicate,
    pullRemote,
    agreeGeneration: generations.agree,
    store,
    broadcaster: {
      join: (t, c) => transport?.broadcaster.join(t, c),
      leave: (t, c) => transport?.broadcaster.leave(t, c),
      publish: (t, f, e) => transport?.broadcaster.publish(t, f, e),
    },
    log,
    metrics,
    maxAwarenessBytes: config.maxAwarenessBytes,
    idleUnloadMs: config.idleUnloadMs,
    encodedCacheBytes: config.encodedCacheBytes,
    heapHighWaterBytes: config.heapHighWaterBytes,
    onRoomFault: (room) => room.closeAll(CloseCode.RETRY, 'document storage failed; reconnect'),
    onRoomOpened: (room) => versions.track(room),
  });

  // Version history (W6): kept in each document's sub-room `<docId>/versions`.
  const versions = createHistoryKeeper({
    acquire: (docId) => registry.acquire(docId),
    canWrite: (docId) =>
      !stopping &&
      !draining &&
      membership !== null &&
      !membership.isFenced() &&
      decideOwner(currentView(), config.id, docId).kind === 'serve',
    log,
    ...(config.history ? { settings: config.history } : {}),
  });

  function redirectClients(room: Room, view: RingView): void {
    const decision = decideOwner(view, config.id, room.docId);
    if (decision.kind !== 'redirect') return;
    for (const session of [...sessions]) {
      if (session.currentRoom === room) {
        metrics.redirects.inc();
        session.redirect(decision);
      }
    }
  }

  const rebalancer = createRebalancer({
    selfId: config.id,
    replicas: config.replicas,
    registry,
    store,
    pool,
    log,
    view: currentView,
    redirectClients,
    paused: () => !membership || membership.isFenced() || membership.record().state === 'joining',
  });

  const gateSettings = (): GateSettings => ({
    minClientBuild: configWatcher?.get('min-client-build'),
    requireClientBuild: configWatcher?.get('require-client-build') === 'true',
  });

  const currentEpoch = () => watcher?.current()?.epoch ?? 0;

  const sessionDeps = {
    limits,
    nodeId: config.id,
    log,
    metrics,
    maxPendingBytes: config.maxPendingBytes,
    epoch: currentEpoch,
    protocolVersion: PROTOCOL_VERSION,
    isFenced: () => membership?.isFenced() ?? false,
    onRequest: versions.handleRequest,
    isReadOnlyRoom: (docId: string) => documentOfHistoryRoom(docId) !== null,
  };

  function upgradeRequired(session: Session, minBuild: string, message: string): void {
    if (session.isRingdocClient) session.conn.send(encodeUpgradeRequired({ minBuild, message }));
    session.reject(CloseCode.UPGRADE_REQUIRED, message);
  }

  function onOpen(conn: Connection, upgrade: UpgradeInfo) {
    metrics.connectionsOpened.inc();
    const crowded = limits.addresses.attempt(upgrade.remoteAddress) ?? limits.node.admit();
    let info: ReturnType<typeof parseConnectUrl>;
    try {
      info = parseConnectUrl(upgrade.pathAndQuery);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.reason : 'bad request';
      metrics.rejected(CloseCode.BAD_REQUEST).inc();
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
        auth?.forget(session);
      },
    };
    if (crowded) {
      session.refuse(crowded);
      return handler;
    }
    // The allowlist stops other sites' pages (browsers always send Origin); non-browser
    // clients send none and could forge any, so a missing Origin is not refused.
    if (
      config.allowedOrigins &&
      upgrade.origin !== '' &&
      !config.allowedOrigins.includes(upgrade.origin)
    ) {
      session.reject(CloseCode.FORBIDDEN, `origin ${upgrade.origin || '(none)'} is not allowed`);
      return handler;
    }
    const verdict = checkClient(info, gateSettings(), PROTOCOL_RANGE);
    if (!verdict.ok) {
      upgradeRequired(session, verdict.minBuild, verdict.message);
      return handler;
    }
    if (stopping || membership === null || membership.isFenced()) {
      session.reject(CloseCode.RETRY, stopping ? 'node shutting down' : 'node not registered', {
        retryAfterMs: 1000,
      });
      return handler;
    }
    if (auth) {
      handler.message = auth.admit(session, () => void route(session));
      return handler;
    }
    void route(session);
    return handler;
  }

  async function route(session: Session): Promise<void> {
    const wanted = session.info.epoch;
    if (wanted !== undefined && wanted > currentEpoch() && watcher) {
      await watcher.waitForEpoch(wanted, config.epochWaitMs);
    }
    if (session.conn.closed) return;
    const decision = decideOwner(watcher?.current() ?? null, config.id, session.info.docId);
    if (decision.kind === 'redirect') {
      metrics.redirects.inc();
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
      session.attach(room);
    } catch (error) {
      if (error instanceof DocumentLoadError) {
        log.error(error.message, { docId: session.info.docId });
        session.reject(CloseCode.LOAD_FAILED, error.message, { retryAfterMs: 5000 });
        return;
      }
      throw error;
    }
  }

  /** Ops raised the minimum build: tell connected outdated tabs to reload (C6). */
  function enforceGate(): void {
    const settings = gateSettings();
    for (const session of [...sessions]) {
      const verdict = checkClient(session.info, settings, PROTOCOL_RANGE);
      if (!verdict.ok) upgradeRequired(session, verdict.minBuild, verdict.message);
    }
  }

  function onFenceChange(fenced: boolean): void {
    if (!fenced) {
      log.info('lease re-established; accepting clients again');
      // Passes are skipped while fenced: a view that arrived meanwhile (a holder that came
      // back, say) has not been acted on yet.
      rebalancer.schedule();
      return;
    }
    log.warn('fenced: keepalives not acknowledged; closing clients with retry');
    for (const session of [...sessions]) {
      session.reject(CloseCode.RETRY, 'node fenced from the cluster', { retryAfterMs: 1000 });
    }
    // In-memory state may now be behind the cluster: serve nothing from it again.
    registry.dropAll();
  }

  async function runDrain(): Promise<void> {
    if (!membership) throw new Error('cannot drain: not registered');
    log.info('draining: leaving the ring and handing documents off');
    await membership.setState('draining');
    for (;;) {
      await rebalancer.idle();
      for (const room of [...registry.loadedRooms()]) {
        const view = currentView();
        if (view) redirectClients(room, view);
        registry.unloadIfIdle(room);
      }
      const stored = await store.list();
      if (registry.loadedCount === 0 && stored.length === 0) break;
      rebalancer.schedule();
      await new Promise((r) => setTimeout(r, 200));
    }
    await etcd
      ?.delete()
      .key(`${config.prefix}control/${config.id}/drain`)
      .catch(() => {});
    await membership.leave();
    log.info('drained: every document handed off; lease revoked');
    markDrained();
  }

  function drain(): Promise<void> {
    draining ??= runDrain();
    return draining;
  }

  async function watchDrainRequests(client: Etcd3): Promise<void> {
    const key = `${config.prefix}control/${config.id}/drain`;
    const watch = await client.watch().key(key).create();
    watch.on('put', () => void drain());
    watch.on('error', (error) => log.warn('drain request watch error', { error }));
    stopControlWatch = () => void watch.cancel().catch(() => {});
    if ((await client.get(key).string()) !== null) void drain();
  }

  function notReadyReason(): string | null {
    if (stopping) return 'stopping';
    if (draining) return 'draining';
    if (!membership) return 'not registered';
    if (membership.isFenced()) return 'fenced';
    const view = watcher?.current();
    if (!view) return 'membership view not ready';
    if (!view.members.has(config.id)) return 'own member record not yet seen';
    return null;
  }

  metricsRegistry.computed(
    'ringdoc_documents_loaded',
    'Documents loaded in memory',
    () => registry.loadedCount,
  );
  metricsRegistry.computed(
    'ringdoc_documents_encoded',
    'Unloaded documents kept encoded in memory',
    () => registry.encodedCount,
  );
  metricsRegistry.computed('ringdoc_connections', 'Open client sessions', () => sessions.size);
  metricsRegistry.computed('ringdoc_fenced', '1 while the node is fenced', () =>
    membership?.isFenced() ? 1 : 0,
  );
  metricsRegistry.computed('ringdoc_ring_epoch', 'etcd revision of the ring view', currentEpoch);
  metricsRegistry.computed(
    'ringdoc_ring_members',
    'Active members in the ring',
    () => watcher?.current()?.ring.members.length ?? 0,
  );
  metricsRegistry.computed(
    'ringdoc_heap_used_bytes',
    'V8 heap in use',
    () => process.memoryUsage().heapUsed,
  );

  return {
    id: config.id,
    registry,
    drain,
    drained,
    port: () => boundPort,
    notReadyReason,
    async start() {
      const uws = loadNativeUws();
      await mkdir(config.dataDir, { recursive: true });
      etcd = deps.etcd ?? createEtcdClient({ endpoints: [...config.etcd], log });
      watcher = watchMembers({ client: etcd, prefix: config.prefix, log, vnodes: config.vnodes });
      watcher.onChange((view, previous) => {
        if (previous) {
          history.unshift(previous);
          if (history.length > 8) history.pop();
        }
        if (membership) rebalancer.schedule();
        prewarm?.(view);
        if (view.ring.members.join() !== previous?.ring.members.join()) {
          log.info('ring changed', { epoch: view.epoch, members: view.ring.members });
        }
      });
      configWatcher = watchConfig({ client: etcd, prefix: config.prefix, log });
      prewarm = createPrewarmer({
        selfId: config.id,
        prefix: config.prefix,
        vnodes: config.vnodes,
        registry,
        store,
        pool,
        etcd,
        log,
      });
      configWatcher.onChange((name) => {
        if (name === 'min-client-build' || name === 'require-client-build') enforceGate();
      });
      await auth?.start(etcd);
      transport = createUwsTransport({
        uws,
        host: config.host,
        port: config.port,
        maxFrameBytes: config.maxFrameBytes,
        maxBackpressureBytes: config.maxBackpressureBytes,
        log,
        onOpen,
        internal: {
          secret: config.clusterSecret,
          onOpen: createPeerService({
            registry,
            store,
            log,
            epoch: currentEpoch,
            ringMembers: () => currentView()?.ring.members.join(',') ?? '',
            waitForEpoch: (e, t) => watcher?.waitForEpoch(e, t) ?? Promise.resolve(false),
            isFenced: () => membership?.isFenced() ?? true,
          }),
        },
        routes: createNodeRoutes({
          id: config.id,
          view: () => watcher?.current() ?? null,
          notReadyReason,
          metricsText: () => metricsRegistry.render(),
          stats: () => ({ documents: registry.loadedCount, connections: sessions.size }),
          documents: async () => ({
            loaded: [...registry.loadedRooms()].map((room) => room.docId).sort(),
            stored: (await store.list()).sort(),
          }),
        }),
      });
      boundPort = await transport.listen();
      registry.start();
      versions.start();
      await Promise.all([watcher.ready(), configWatcher.ready()]);
      membership = await joinCluster({
        client: etcd,
        prefix: config.prefix,
        ttlSeconds: config.leaseTtlSeconds,
        log,
        record: {
          id: config.id,
          publicUrl: config.publicUrl,
          internalUrl: config.internalUrl,
          build: config.build,
          protocol: PROTOCOL_RANGE,
          state: 'joining',
          startedAt: Date.now(),
        },
      });
      membership.onFenceChange(onFenceChange);
      // M1: owners push this node the documents it will own before it takes them over.
      const owners = [...(watcher.current()?.ring.members ?? [])].filter((m) => m !== config.id);
      const late = await waitForPrewarm(etcd, config.prefix, config.id, owners, 15_000);
      if (late.length > 0) log.warn('joining without pre-warm from some owners', { late });
      await membership.setState('active');
      rebalancer.schedule();
      await watchDrainRequests(etcd);
      log.info('node started', { port: boundPort, dataDir: config.dataDir });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      rebalancer.stop();
      stopControlWatch();
      transport?.stopListening();
      for (const session of [...sessions]) {
        session.reject(CloseCode.RETRY, 'node shutting down', { retryAfterMs: 500 });
      }
      transport?.closeAll();
      await versions.stop();
      await registry.stop();
      await auth?.stop();
      await store.close();
      await membership?.leave().catch((error: unknown) => log.warn('leave failed', { error }));
      await watcher?.close();
      await configWatcher?.close();
      pool.close();
      if (!deps.etcd) etcd?.close();
      log.info('node stopped');
    },
  };
}
