import { afterEach, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../ring/etcd/client.ts';
import { createKeyspace } from '../../ring/index.ts';
import { createSilentLogger } from '../../server/log.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { tokenCounts } from '../harness/editor.ts';
import {
  HOCUSPOCUS_PROVIDERS,
  hocuspocusProvider,
  hocuspocusSocket,
} from '../harness/hocuspocus-providers.ts';
import { waitFor } from '../harness/node-process.ts';
import { docOwnedAcross } from '../harness/owned-doc.ts';

/**
 * The unchanged `@hocuspocus/provider` (the current major) through ring changes (H1–H6, C10):
 * one socket multiplexing two documents on a node that owns neither, while the documents'
 * owners change by a join, a drain and a kill -9.
 */

let cluster: Cluster | null = null;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await cluster?.stop();
  cluster = null;
}, 60_000);

describe('@hocuspocus/provider through ring changes (real etcd, real node processes)', () => {
  it('[H1][C10] two documents on one provider socket keep syncing through a join, a drain and a kill -9 of their owner', async () => {
    cluster = await startCluster({ nodes: 3 });
    const c = cluster;
    await c.waitForRing(['n1', 'n2', 'n3']);
    // The socket sits on n1. Both documents are owned by n2, then n4 after its join, n2 again
    // after n4's drain, n3 after n2's death: n1 never owns them.
    const sets = [
      ['n1', 'n2', 'n3'],
      ['n1', 'n2', 'n3', 'n4'],
      ['n1', 'n3'],
    ];
    const owners = ['n2', 'n4', 'n3'];
    const docs = [
      docOwnedAcross('hpring-a', sets, owners),
      docOwnedAcross('hpring-b', sets, owners),
    ];
    const lib = HOCUSPOCUS_PROVIDERS['4.8.0'];
    if (!lib) throw new Error('no provider 4.8.0');
    const shared = hocuspocusSocket(lib, c.node('n1').url, cleanups);
    const writers = docs.map((doc, i) =>
      hocuspocusProvider(lib, shared, doc, `writer-${i}`, cleanups),
    );
    // a second client of each document, on n3 (which never leaves)
    const watcherSocket = hocuspocusSocket(lib, c.node('n3').url, cleanups);
    const watchers = docs.map((doc, i) =>
      hocuspocusProvider(lib, watcherSocket, doc, `watcher-${i}`, cleanups),
    );
    await waitFor('every provider synced', () =>
      [...writers, ...watchers].every((p) => p.provider.synced),
    );

    const typed: string[][] = docs.map(() => []);
    let n = 0;
    const timer = setInterval(() => {
      writers.forEach((w, i) => {
        const token = `d${i}w${n}`;
        typed[i]?.push(token);
        const t = w.doc.getText('t');
        t.insert(t.length, `${token} `);
      });
      n++;
    }, 50);
    cleanups.push(() => clearInterval(timer));
    const progress = async (what: string) => {
      const marks = typed.map((t) => t.length);
      await waitFor(`${what}: each watcher sees new tokens of its document`, () =>
        watchers.every((w, i) => {
          const seen = tokenCounts(w.text());
          return (
            (typed[i] ?? []).slice(marks[i], (marks[i] ?? 0) + 10).filter((t) => seen.has(t))
              .length >= 10
          );
        }),
      );
    };
    await progress('before any change');

    await c.addNode('n4');
    await c.waitForRing(['n1', 'n2', 'n3', 'n4']);
    for (const doc of docs) {
      await waitFor(`n4 owns ${doc}`, async () => (await c.ownerOf(doc)).owner === 'n4');
    }
    await progress('after the join');

    const etcd = createEtcdClient({ endpoints: [c.etcd.endpoint], log: createSilentLogger() });
    try {
      await etcd
        .put(createKeyspace(c.prefix).drainRequestKey('n4'))
        .value(JSON.stringify({ requestedAt: Date.now() }));
      expect(await c.node('n4').exited(60_000)).toBe(0);
    } finally {
      etcd.close();
    }
    await c.waitForRing(['n1', 'n2', 'n3']);
    await progress('after the drain');

    await c.node('n2').kill();
    await c.waitForRing(['n1', 'n3']);
    await progress('after kill -9 of the owner');

    clearInterval(timer);
    // every token exactly once, in a fresh reader of each document on the surviving owner
    const readerSocket = hocuspocusSocket(lib, c.node('n3').url, cleanups);
    for (const [i, doc] of docs.entries()) {
      const reader = hocuspocusProvider(lib, readerSocket, doc, `reader-${i}`, cleanups);
      const want = typed[i] ?? [];
      await waitFor(`a fresh reader of ${doc} has every token`, () => {
        const seen = tokenCounts(reader.text());
        return reader.provider.synced && want.every((t) => seen.has(t));
      });
      const counts = tokenCounts(reader.text());
      expect([...counts.values()].every((k) => k === 1)).toBe(true);
      expect(counts.size).toBe(want.length);
      expect(reader.text()).not.toContain(i === 0 ? 'd1w' : 'd0w');
    }
    await waitFor('every writer change acknowledged', () =>
      writers.every((w) => !w.provider.hasUnsyncedChanges),
    );
    console.log(
      `[H1][C10] ${typed.map((t) => t.length).join(' + ')} tokens through join, drain and kill -9 on one Hocuspocus socket`,
    );
  }, 180_000);
});
