/**
 * Crash fail-over figures of DESIGN §7 with provisional takeover (M8, PROTOCOL.md P30–P33),
 * measured on a real local cluster (etcd + three ringdoc nodes on loopback) through the shared
 * client library (`test/harness/editor.ts`, which fails over like the web client):
 *
 * - crash → writable again: an owner is killed with SIGKILL while one editor per document it
 *   owns is connected; each editor types one token right after the kill; the figure is the time
 *   from the kill to that token's ACK (durable on two live nodes). Repeated over `--kills` kills
 *   (default 20) at lease TTL 5 s and 10 s: the goal is ≤ 1 s whatever the TTL.
 * - reconnect storm (`--storm N`, default off): N editors on documents owned by one node; it is
 *   killed; time until all are synced again and the peak 1-s reconnect rate against the mean.
 *
 * Run: `npx tsx bench/failover/failover.bench.ts [--kills 20] [--docs 5] [--ttls 5,10|none] [--storm 5000]`.
 * Prints figures measured in this run; asserts nothing.
 */
import { type Cluster, startCluster } from '../../test/harness/cluster.ts';
import { type RouteSource, SimEditor } from '../../test/harness/editor.ts';
import { waitFor } from '../../test/harness/node-process.ts';
import { quantileSorted } from '../lib/stats.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const KILLS = arg('kills', 20);
const DOCS = arg('docs', 5);
const STORM = arg('storm', 0);
/** `--ttls 5,10` (default), or `--ttls none` for the storm alone. */
const ttlsArg = process.argv[process.argv.indexOf('--ttls') + 1];
const TTLS = !process.argv.includes('--ttls')
  ? [5, 10]
  : ttlsArg === 'none'
    ? []
    : (ttlsArg ?? '').split(',').map(Number);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function routes(cluster: Cluster): RouteSource {
  return { nodeUrls: () => cluster.nodes.filter((n) => n.running).map((n) => n.url) };
}

async function docsOwnedBy(cluster: Cluster, owner: string, count: number, tag: string) {
  const ids: string[] = [];
  for (let i = 0; ids.length < count && i < count * 40; i++) {
    const id = `${tag}-${i}`;
    if ((await cluster.ownerOf(id)).owner === owner) ids.push(id);
  }
  return ids;
}

/** One kill: ms from SIGKILL to the ACK of a token typed right after it, per document. */
async function oneKill(cluster: Cluster, victimId: string, tag: string): Promise<number[]> {
  const ids = await docsOwnedBy(cluster, victimId, DOCS, tag);
  const editors = ids.map((id, i) => new SimEditor(id, `${tag}e${i}`, routes(cluster)));
  try {
    for (const e of editors) e.start();
    await waitFor('editors connected', () => editors.every((e) => e.connected), 30_000);
    for (const e of editors) e.type();
    await waitFor('first tokens acked', () => editors.every((e) => e.ackedCount === 1), 30_000);
    const victim = cluster.node(victimId);
    const killed = performance.now();
    await victim.kill();
    for (const e of editors) e.type();
    await waitFor(
      'every editor writable again',
      () => editors.every((e) => e.ackedCount === 2),
      60_000,
    );
    const times = editors.map((e) => (e.ackedAt[1] ?? Number.NaN) - killed);
    await victim.start();
    await cluster.waitForRing(
      cluster.nodes.map((n) => n.id),
      60_000,
    );
    return times;
  } finally {
    for (const e of editors) e.stop();
  }
}

async function crashSeries(leaseTtl: number): Promise<void> {
  const cluster = await startCluster({ nodes: 3, leaseTtl });
  const all: number[] = [];
  const perKill: number[] = [];
  try {
    for (let k = 0; k < KILLS; k++) {
      const victim = cluster.nodes[k % cluster.nodes.length]!.id;
      const times = await oneKill(cluster, victim, `t${leaseTtl}k${k}`);
      all.push(...times);
      perKill.push(Math.max(...times));
      console.log(
        `  TTL ${leaseTtl} s kill ${k + 1}/${KILLS} (${victim}): ${times.map((t) => t.toFixed(0)).join(', ')} ms`,
      );
    }
  } finally {
    await cluster.stop();
  }
  all.sort((a, b) => a - b);
  perKill.sort((a, b) => a - b);
  const q = (xs: number[], p: number) => quantileSorted(xs, p).toFixed(0);
  console.log(
    `crash → writable again, lease TTL ${leaseTtl} s, ${KILLS} kills × ${DOCS} documents: p50 ${q(all, 0.5)} ms, p99 ${q(all, 0.99)} ms, max ${all.at(-1)?.toFixed(0)} ms; slowest document per kill p50 ${q(perKill, 0.5)} ms (goal ≤ 1000 ms)`,
  );
}

/** `ringdoc_event_loop_lag_p99_seconds` of one node, or `null` when it did not answer. */
async function scrapeLagP99(httpUrl: string): Promise<number | null> {
  try {
    const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    const line = text.split('\n').find((l) => l.startsWith('ringdoc_event_loop_lag_p99_seconds'));
    return line === undefined ? null : Number(line.split(' ').at(-1));
  } catch {
    return null;
  }
}

async function storm(count: number): Promise<void> {
  const cluster = await startCluster({ nodes: 3, leaseTtl: 5 });
  const editors: SimEditor[] = [];
  try {
    const victim = cluster.nodes[0]!.id;
    const docs = await docsOwnedBy(cluster, victim, Math.ceil(count / 10), 'storm');
    for (let i = 0; i < count; i++) {
      editors.push(new SimEditor(docs[i % docs.length]!, `s${i}`, routes(cluster)));
    }
    for (const e of editors) e.start();
    await waitFor('storm editors connected', () => editors.every((e) => e.connected), 300_000);
    const synced: number[] = [];
    const wasConnected = new Set<SimEditor>();
    // Event-loop lag of the survivors, from outside: the worst `/healthz` round trip (probed
    // every 50 ms, one at a time per node) while they take the storm. This process runs all
    // the editors, so its own lag is in that figure too: an upper bound only.
    const survivors = cluster.nodes.filter((n) => n.id !== victim);
    let worstProbe = 0;
    let probing = true;
    const probes = survivors.map(async (n) => {
      while (probing) {
        const t = performance.now();
        await fetch(`${n.httpUrl}/healthz`).catch(() => {});
        worstProbe = Math.max(worstProbe, performance.now() - t);
        await sleep(50);
      }
    });
    // …and from inside: each survivor's own p99 event-loop delay (`/metrics`, rolling 10 s
    // windows, server/node/loop-lag.ts), scraped every second until a window that began after
    // the last reconnect completed.
    const lagP99 = new Map<string, number>(survivors.map((n) => [n.id, 0]));
    let scraping = true;
    const scrapes = survivors.map(async (n) => {
      while (scraping) {
        const p99 = await scrapeLagP99(n.httpUrl);
        if (p99 !== null) lagP99.set(n.id, Math.max(lagP99.get(n.id) ?? 0, p99));
        await sleep(1000);
      }
    });
    const killed = performance.now();
    await cluster.node(victim).kill();
    const poll = setInterval(() => {
      for (const e of editors) {
        if (!wasConnected.has(e) && e.connected && e.currentNode() !== victim) {
          wasConnected.add(e);
          synced.push(performance.now() - killed);
        }
      }
    }, 20);
    await waitFor('all storm editors back', () => wasConnected.size === editors.length, 300_000);
    clearInterval(poll);
    probing = false;
    await Promise.all(probes);
    await sleep(21_000);
    scraping = false;
    await Promise.all(scrapes);
    const worstLag = Math.max(...lagP99.values()) * 1000;
    const total = Math.max(...synced);
    const perSecond = new Map<number, number>();
    for (const t of synced)
      perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    const peak = Math.max(...perSecond.values());
    const mean = editors.length / Math.max(1, total / 1000);
    console.log(
      `reconnect storm: ${count} sockets on a killed node all back after ${(total / 1000).toFixed(1)} s (goal < 30 s); peak ${peak}/s vs mean ${mean.toFixed(0)}/s = ${(peak / mean).toFixed(2)}× (goal ≤ 3×); survivors' own event-loop lag p99 (worst 10-s window, /metrics) ${worstLag.toFixed(0)} ms [${[...lagP99].map(([id, v]) => `${id} ${(v * 1000).toFixed(0)}`).join(', ')}] (goal < 200 ms); worst /healthz round trip ${worstProbe.toFixed(0)} ms (from this process, which runs the ${count} editors: an upper bound)`,
    );
  } finally {
    for (const e of editors) e.stop();
    await cluster.stop();
  }
}

for (const ttl of TTLS) await crashSeries(ttl);
if (STORM > 0) await storm(STORM);
await sleep(100);
process.exit(0);
