import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { type RouteSource, SimEditor } from '../harness/editor.ts';
import { waitFor } from '../harness/node-process.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.ts';
import { Workload } from '../harness/workload.ts';

/**
 * Provisional takeover (DESIGN M8, PROTOCOL.md P30–P33) on a real cluster: etcd, three
 * `ringdoc node` processes, editors through the shared client library (`client/`).
 */

let cluster: Cluster | null = null;
let workload: Workload | null = null;
const proxies: TcpProxy[] = [];
const editors: SimEditor[] = [];

afterEach(async () => {
  workload?.stop();
  workload = null;
  for (const e of editors.splice(0)) e.stop();
  for (const p of proxies.splice(0)) await p.close();
  await cluster?.stop();
  cluster = null;
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ringMembers(c: Cluster, via: string): Promise<string[]> {
  const res = await fetch(`${c.node(via).httpUrl}/ring`);
  return ((await res.json()) as { ring: { members: string[] } }).ring.members;
}

describe('provisional takeover (M8)', () => {
  it('[M8][P30][P31] kill -9 of an owner: 50 documents x 2 editors are served by the next holder before its lease expires; nothing lost or duplicated', async () => {
    cluster = await startCluster({ nodes: 3, leaseTtl: 5 });
    workload = new Workload(cluster, 50, 2);
    await workload.start();
    workload.startTyping(300);
    await workload.waitAcked();
    const victim = cluster.node('n1');
    const owned = new Set<string>();
    for (const id of workload.docIds) {
      if ((await cluster.ownerOf(id)).owner === 'n1') owned.add(id);
    }
    expect(owned.size).toBeGreaterThan(0);
    const hit = workload.editors.filter((e) => owned.has(e.docId));
    const killedAt = performance.now();
    await victim.kill();
    // Something typed after the kill, acknowledged: durable on two live holders (P31).
    const marks = workload.typedMarks().map((m) => m + 1);
    await workload.waitAcked(marks, 60_000);
    const recovered = performance.now() - killedAt;
    // M8: served while the ring still names the dead owner (its lease has not expired yet).
    expect(await ringMembers(cluster, 'n2')).toContain('n1');
    for (const e of hit) expect(e.servedBy.slice(-1)[0]).not.toBe('n1');
    console.log(
      `[M8] ${owned.size} documents of the killed owner writable again on the next holder after ${Math.round(recovered)} ms (lease TTL 5 s)`,
    );
    await cluster.waitForRing(['n2', 'n3'], 30_000);
    await sleep(1000);
    workload.stopTyping();
    await workload.settle(60_000);
    expect(await workload.verify()).toEqual([]);
    expect(workload.badCloses()).toEqual([]);
  }, 240_000);

  it('[M8][P32] SIGSTOP of an owner for less than the lease: clients are served provisionally, both copies converge, clients end on the owner, nothing lost', async () => {
    cluster = await startCluster({ nodes: 3, leaseTtl: 10 });
    // Document ids are random: pick a set in which n1 owns at least one document.
    const c = cluster;
    let tag = '';
    for (let attempt = 0; attempt < 20 && tag === ''; attempt++) {
      const candidate = Math.random().toString(36).slice(2, 8);
      for (let d = 0; d < 12 && tag === ''; d++) {
        if ((await c.ownerOf(`w-${candidate}-${d}`)).owner === 'n1') tag = candidate;
      }
    }
    workload = new Workload(cluster, 12, 2, tag, { ackTimeoutMs: 1000 });
    await workload.start();
    workload.startTyping(300);
    await workload.waitAcked();
    const owner = cluster.node('n1');
    const owned = new Set<string>();
    for (const id of workload.docIds) {
      if ((await cluster.ownerOf(id)).owner === 'n1') owned.add(id);
    }
    expect(owned.size).toBeGreaterThan(0);
    const hit = workload.editors.filter((e) => owned.has(e.docId));
    owner.pause();
    const marks = workload.typedMarks().map((m) => m + 1);
    // Acknowledged while the owner is paused: only a provisional holder can have done it.
    await waitFor(
      'editors of the paused owner acknowledged by a provisional holder',
      () => hit.every((e) => e.ackedCount >= (marks[workload?.editors.indexOf(e) ?? 0] ?? 0)),
      30_000,
    ).finally(() => owner.resume());
    for (const e of hit) expect(e.servedBy.some((n) => n !== 'n1')).toBe(true);
    // The owner never left the ring: the provisional holder hands the clients back.
    await waitFor(
      'every editor of the owner back on it',
      () => hit.every((e) => e.connected && e.currentNode() === 'n1'),
      60_000,
    );
    expect(await ringMembers(cluster, 'n2')).toContain('n1');
    await sleep(1000);
    workload.stopTyping();
    await workload.settle(60_000);
    expect(await workload.verify()).toEqual([]);
    expect(workload.badCloses()).toEqual([]);
  }, 240_000);

  it('[M8][P33] a client whose path to the owner only is cut is served provisionally and merged back into the owner', async () => {
    cluster = await startCluster({ nodes: 3, leaseTtl: 5 });
    const docId = `cut-${Math.random().toString(36).slice(2, 8)}`;
    const { owner } = await cluster.ownerOf(docId);
    const ownerNode = cluster.node(owner);
    const proxy = await startTcpProxy(ownerNode.port);
    proxies.push(proxy);
    const c = cluster;
    const routes: RouteSource = {
      nodeUrls: () => c.nodes.filter((n) => n.running && !n.paused).map((n) => n.url),
    };
    // `cut` reaches the owner only through the proxy; `direct` is on the owner itself.
    const cut = new SimEditor(docId, 'cut', routes, {
      rewriteUrl: (url) => url.replace(ownerNode.url, proxy.url),
    });
    const direct = new SimEditor(docId, 'direct', routes);
    editors.push(cut, direct);
    cut.start();
    direct.start();
    await waitFor('both connected', () => cut.connected && direct.connected, 30_000);
    expect(cut.currentNode()).toBe(owner);
    cut.type();
    direct.type();
    await waitFor('first tokens acked', () => cut.ackedCount === 1 && direct.ackedCount === 1);
    proxy.cut();
    for (let i = 0; i < 20; i++) {
      cut.type();
      direct.type();
      await sleep(100);
    }
    await waitFor(
      'both acknowledged everything, texts equal',
      () =>
        cut.connected &&
        cut.ackedCount === cut.typed.length &&
        direct.ackedCount === direct.typed.length &&
        cut.text() === direct.text(),
      60_000,
    );
    expect(cut.servedBy.some((n) => n !== owner)).toBe(true);
    expect(direct.servedBy).toEqual([owner]);
    // Merged back: the owner's copy (what `direct` sees) holds every token of `cut`.
    for (const token of cut.typed) expect(direct.text()).toContain(`${token} `);
    const words = direct.text().split(' ').filter(Boolean);
    expect(new Set(words).size).toBe(words.length);
    expect(words.length).toBe(cut.typed.length + direct.typed.length);
  }, 180_000);

  it('[M8][P34] the owner and then its provisional holder are killed: the editor names both and a third node serves it before either lease expires', async () => {
    cluster = await startCluster({ nodes: 4, leaseTtl: 10 });
    const c = cluster;
    const routes: RouteSource = {
      nodeUrls: () => c.nodes.filter((n) => n.running).map((n) => n.url),
    };
    let docId = '';
    for (let i = 0; docId === '' && i < 200; i++) {
      if ((await c.ownerOf(`p34-${i}`)).owner === 'n1') docId = `p34-${i}`;
    }
    const editor = new SimEditor(docId, 'p34e', routes);
    editors.push(editor);
    editor.start();
    await waitFor('editor connected', () => editor.connected, 30_000);
    editor.type();
    await waitFor('first token acked', () => editor.ackedCount === 1, 30_000);
    await c.node('n1').kill();
    editor.type();
    await waitFor('acked on the provisional holder', () => editor.ackedCount === 2, 30_000);
    const holder = editor.currentNode() as string;
    expect(holder).not.toBe('n1');
    await c.node(holder).kill();
    editor.type();
    await waitFor('acked on a third node', () => editor.ackedCount === 3, 30_000);
    const third = editor.currentNode() as string;
    expect(['n1', holder]).not.toContain(third);
    // Both dead nodes are still members: served before either lease expired (P34, not M3).
    const members = await ringMembers(c, third);
    expect(members).toContain('n1');
    expect(members).toContain(holder);
    console.log(`[P34] owner n1 and provisional holder ${holder} killed; ${third} serves ${docId}`);
  }, 180_000);
});
