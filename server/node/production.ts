import { mkdir } from 'node:fs/promises';
import { createEtcdClient } from '../../ring/index.ts';
import { systemClock } from '../clock.ts';
import { createPeerPool } from '../cluster/peer-client.ts';
import type { NodeConfig } from '../config.ts';
import { createEtcdCoordination } from '../coordination/etcd-coordination.ts';
import type { Logger } from '../log.ts';
import { startCompactionThread } from '../persistence/compaction-thread.ts';
import { createJournalStore } from '../persistence/journal-store.ts';
import { loadNativeUws } from '../transport/uws-native.ts';
import { createUwsTransport } from '../transport/uws-server.ts';
import { createNode, type RingdocNode } from './create-node.ts';
import { createLoopLagMonitor } from './loop-lag.ts';

/**
 * A node as `ringdoc node` runs it: the native uWS transport (refusing the JS fallback, N5),
 * etcd coordination, the node-wide journal store (N7) in `config.dataDir` (it reads a file-store
 * data directory as is; its compactions read and merge on a worker thread), the WebSocket peer pool and the
 * system clock. `stop` also closes the etcd client.
 */
export function createProductionNode(config: NodeConfig, log: Logger): RingdocNode {
  const clock = systemClock();
  const uws = loadNativeUws();
  const etcd = createEtcdClient({ endpoints: [...config.etcd], log });
  const loopLag = createLoopLagMonitor();
  // compactions read and merge documents off the event loop (compaction-thread.ts)
  const compaction = startCompactionThread({ log });
  const node = createNode(config, {
    clock,
    log,
    loopLagP99: loopLag.p99Seconds,
    store: createJournalStore({
      dir: config.dataDir,
      groupCommitMs: config.groupCommitMs,
      log,
      clock,
      compaction,
    }),
    peers: createPeerPool({ secret: config.clusterSecret, log, clock }),
    coordination: createEtcdCoordination({
      client: etcd,
      prefix: config.prefix,
      log,
      clock,
      vnodes: config.vnodes,
      keepaliveEndpoints: config.etcd,
    }),
    transport: (handlers) =>
      createUwsTransport({
        uws,
        host: config.host,
        port: config.port,
        maxFrameBytes: config.maxFrameBytes,
        maxBackpressureBytes: config.maxBackpressureBytes,
        log,
        secret: config.clusterSecret,
        handlers,
      }),
  });
  return {
    ...node,
    async start() {
      await mkdir(config.dataDir, { recursive: true });
      await node.start();
      log.info('data directory', { dataDir: config.dataDir });
    },
    async stop() {
      await node.stop();
      await compaction.stop();
      loopLag.stop();
      etcd.close();
    },
  };
}
