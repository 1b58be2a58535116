import { createEtcdClient, type Logger, watchMembers } from '../../ring/index.ts';
import { createNodeMeta, type NodeMeta } from '../../web/lib/server/node-meta.ts';
import type { Cluster } from './cluster.ts';

/** The nodes' loopback development secret (`--insecure-dev-secret`, used by the harness). */
export const DEV_CLUSTER_SECRET = 'ringdoc-development-secret';

/**
 * The web app's client of per-document metadata on the owner nodes (`web/lib/server/node-meta.ts`)
 * over the cluster's own membership view, as the web app builds it. `close` stops the watch.
 */
export async function clusterMeta(
  cluster: Cluster,
  log: Logger,
): Promise<{ readonly nodes: NodeMeta; close(): Promise<void> }> {
  const client = createEtcdClient({ endpoints: [cluster.etcd.endpoint], log });
  const watcher = watchMembers({ client, prefix: cluster.prefix, log });
  await watcher.ready();
  const nodes = createNodeMeta({
    view: async () => watcher.current(),
    clusterSecret: DEV_CLUSTER_SECRET,
  });
  return {
    nodes,
    async close() {
      await watcher.close();
      client.close();
    },
  };
}
