import { afterEach, describe, expect, it } from 'vitest';
import { createEtcdClient, createKeyspace } from '../../ring/index.ts';
import { createSilentLogger } from '../../server/log.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { waitFor } from '../harness/node-process.ts';
import { Workload } from '../harness/workload.ts';

let cluster: Cluster | null = null;
let workload: Workload | null = null;

afterEach(async () => {
  workload?.stop();
  workload = null;
  await cluster?.stop();
  cluster = null;
}, 60_000);

async function busyCluster(docs: number, editorsPerDoc: number) {
  cluster = await startCluster({ nodes: 3 });
  workload = new Workload(cluster, docs, editorsPerDoc);
  await workload.start();
  workload.startTyping(300);
  const before = workload.ackedTotal();
  await waitFor('editors typing and acked', () => workload!.ackedTotal() > before + docs);
  return { cluster, workload };
}

async function ownersOf(c: Cluster, docIds: readonly string[]) {
  return new Map(
    await Promise.all(docIds.map(async (id) => [id, (await c.ownerOf(id)).owner] as const)),
  );
}

describe('documents move with the ring and nothing is lost (real cluster)', () => {
  it('[M1][M3] a fourth node joins while 3 editors type into each of 50 documents', async () => {
    const { cluster: c, workload: w } = await busyCluster(50, 3);
    const before = await ownersOf(c, w.docIds);
    await c.addNode('n4');
    await c.waitForRing(['n1', 'n2', 'n3', 'n4']);
    // M1: owners pushed n4 its future documents while it was `joining`.
    expect(c.nodes.filter((n) => /pre-warmed a joining member/.test(n.output())).length).toBe(3);
    const after = await ownersOf(c, w.docIds);
    const moved = w.docIds.filter((id) => after.get(id) === 'n4');
    expect(moved.length).toBeGreaterThan(0);
    for (const id of w.docIds)
      if (after.get(id) !== 'n4') expect(after.get(id)).toBe(before.get(id));
    const ackedAtJoin = w.ackedTotal();
    await waitFor('typing continues after the join', () => w.ackedTotal() > ackedAtJoin + 50);
    w.stopTyping();
    await w.settle();
    for (const id of moved) {
      for (const e of w.editorsOf(id)) {
        expect(e.currentNode()).toBe('n4');
        // P11a: the old owner kept serving the editor until it had opened n4; never closed.
        expect(e.moves.map((m) => m.to)).toContain('n4');
        expect(e.closes.filter((c) => c.code === 4300)).toEqual([]);
      }
    }
    expect(await w.verify()).toEqual([]);
  });

  it('[M2][M3] a drained node hands everything off and exits 0 while editors type', async () => {
    const { cluster: c, workload: w } = await busyCluster(50, 3);
    const etcd = createEtcdClient({ endpoints: [c.etcd.endpoint], log: createSilentLogger() });
    try {
      await etcd
        .put(createKeyspace(c.prefix).drainRequestKey('n2'))
        .value(JSON.stringify({ requestedAt: Date.now() }));
      expect(await c.node('n2').exited(60_000)).toBe(0);
    } finally {
      etcd.close();
    }
    await c.waitForRing(['n1', 'n3']);
    const ackedAfter = w.ackedTotal();
    await waitFor('typing continues after the drain', () => w.ackedTotal() > ackedAfter + 50);
    w.stopTyping();
    await w.settle();
    for (const e of w.editors) {
      expect(e.currentNode()).not.toBe('n2');
      // P11a: the drained node's editors moved before any close.
      expect(e.closes.filter((c) => c.code === 4300)).toEqual([]);
    }
    expect(w.editors.filter((e) => e.moves.some((m) => m.from === 'n2')).length).toBeGreaterThan(0);
    expect(await w.verify()).toEqual([]);
  });

  it('[M4] kill -9 of an owner: its documents are served by their new owner, 0 acked tokens lost', async () => {
    const { cluster: c, workload: w } = await busyCluster(20, 2);
    const owners = await ownersOf(c, w.docIds);
    const victim = c.node('n1');
    const victimDocs = w.docIds.filter((id) => owners.get(id) === 'n1');
    expect(victimDocs.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    await victim.kill();
    await c.waitForRing(['n2', 'n3']);
    await waitFor('victim documents writable again on their new owner', () =>
      victimDocs.every((id) =>
        w.editorsOf(id).every((e) => e.connected && e.currentNode() !== 'n1'),
      ),
    );
    console.log(
      `[M4] documents of the killed owner writable again after ${Date.now() - killedAt} ms`,
    );
    const acked = w.ackedTotal();
    await waitFor('typing continues after the crash', () => w.ackedTotal() > acked + 20);
    w.stopTyping();
    await w.settle();
    expect(await w.verify()).toEqual([]);
  });

  it('[R6][M5] an owner SIGSTOPped past its lease fences itself on SIGCONT; nothing lost or duplicated', async () => {
    const { cluster: c, workload: w } = await busyCluster(20, 2);
    const victim = c.node('n2');
    victim.pause();
    await c.waitForRing(['n1', 'n3']);
    const acked = w.ackedTotal();
    await waitFor('typing continues while the owner is stopped', () => w.ackedTotal() > acked + 20);
    victim.resume();
    await c.waitForRing(['n1', 'n2', 'n3']);
    expect(victim.output()).toMatch(/fenced/);
    const ackedAfter = w.ackedTotal();
    await waitFor(
      'typing continues after the owner came back',
      () => w.ackedTotal() > ackedAfter + 20,
    );
    w.stopTyping();
    await w.settle();
    expect(await w.verify()).toEqual([]);
  });

  it('[N2][M3] restarting the whole cluster keeps every document identical, no duplicated content', async () => {
    const { cluster: c, workload: w } = await busyCluster(20, 2);
    w.stopTyping();
    await w.settle();
    const texts = new Map(w.docIds.map((id) => [id, w.editorsOf(id)[0]!.text()]));
    w.stop();
    for (const n of c.nodes) await n.stop();
    for (const n of c.nodes) await n.start();
    await c.waitForRing(['n1', 'n2', 'n3']);
    const fresh = new Workload(c, 0, 0);
    workload = fresh;
    for (const id of w.docIds) {
      const probe = new (await import('../harness/raw-client.ts')).RawClient(
        (await c.ownerOf(id)).url,
        id,
      );
      await probe.opened();
      await probe.waitSynced();
      expect(probe.doc.getText('t').toString()).toBe(texts.get(id));
      probe.close();
    }
  });
});
