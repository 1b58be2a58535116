import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, createKeyspace } from '../../ring/index.ts';
import { createSilentLogger } from '../../server/log.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { RawClient } from '../harness/raw-client.ts';

/**
 * DESIGN R7 on the node side: documents cost etcd nothing. A stock-protocol client writes
 * DOCS documents through the nodes (each opened, edited, acknowledged: its generation made
 * durable and replicated), a node joins and one drains; etcd's keys under the prefix are the
 * cluster-scale ones before and after (members, and the drain request while it is pending).
 */
const DOCS = 1000;
let cluster: Cluster;
const etcdKeys = async (c: Cluster): Promise<string[]> => {
  const client = createEtcdClient({ endpoints: [c.etcd.endpoint], log: createSilentLogger() });
  try {
    return (await client.getAll().prefix(c.prefix).keys()).sort();
  } finally {
    client.close();
  }
};

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3, leaseTtl: 5 });
  await cluster.waitForRing(['n1', 'n2', 'n3']);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('etcd footprint', () => {
  it(`[R7] ${DOCS} documents written, then a join and a drain: etcd holds the same keys as before the first document`, async () => {
    const before = await etcdKeys(cluster);
    const run = Date.now().toString(36);
    const batch = 50;
    for (let start = 0; start < DOCS; start += batch) {
      await Promise.all(
        Array.from({ length: batch }, async (_, i) => {
          const docId = `footprint-${run}-${start + i}`;
          // A node may answer "retry" (4503) on a loaded machine: retry like a client would.
          for (let attempt = 1; ; attempt++) {
            const { url } = await cluster.ownerOf(docId);
            const client = new RawClient(url, docId);
            try {
              await client.opened();
              await client.waitSynced();
              client.type(`document ${start + i}`);
              await client.waitAcked();
              return;
            } catch (error) {
              if (attempt >= 5 || client.closeCode !== 4503) throw error;
            } finally {
              client.close();
            }
          }
        }),
      );
    }
    expect(await etcdKeys(cluster)).toEqual(before);

    await cluster.addNode('n4');
    await cluster.waitForRing(['n1', 'n2', 'n3', 'n4']);
    const etcd = createEtcdClient({
      endpoints: [cluster.etcd.endpoint],
      log: createSilentLogger(),
    });
    try {
      await etcd.put(createKeyspace(cluster.prefix).drainRequestKey('n2')).value('{}');
    } finally {
      etcd.close();
    }
    expect(await cluster.node('n2').exited(120_000)).toBe(0);
    await cluster.waitForRing(['n1', 'n3', 'n4']);
    const after = await etcdKeys(cluster);
    const members = (keys: string[]) => keys.filter((k) => k.includes('/members/')).length;
    // Same shape as before: one member key per running node (n2 left, n4 joined), nothing else.
    expect(members(after)).toBe(members(before));
    expect(after.filter((k) => !k.includes('/members/'))).toEqual(
      before.filter((k) => !k.includes('/members/')),
    );
    expect(after.some((k) => k.includes('footprint-'))).toBe(false);
  }, 300_000);
});
