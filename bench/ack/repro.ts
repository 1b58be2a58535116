/**
 * Ack latency at a low, steady rate (issue 14): one node, DOCS documents with 2 editors each,
 * one update every GAP ms round-robin over the editors; prints ack p50/p95/max.
 * `DOCS=200 GAP=20 N=300 npx tsx bench/ack/repro.ts`
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startCluster } from '../../test/harness/cluster.ts';
import { RawClient } from '../../test/harness/raw-client.ts';

const n = Number(process.env.N ?? 100);
const gap = Number(process.env.GAP ?? 20);
const docs = Number(process.env.DOCS ?? 1);
const cluster = await startCluster({
  nodes: Number(process.env.NODES ?? 1),
  ...(process.env.LEASE_TTL ? { leaseTtl: Number(process.env.LEASE_TTL) } : {}),
});
try {
  const node = cluster.nodes[0]!;
  const pid = execFileSync('pgrep', ['-f', '--', `ringdoc.mjs node .*--port ${node.port} `])
    .toString()
    .trim()
    .split('\n')[0];
  /** CPU seconds (user + system) of the node process so far. */
  const cpu = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const lat: number[] = [];
  const clients: RawClient[] = [];
  for (let d = 0; d < docs * 2; d++) {
    const sent = new Map<number, number>();
    let last = 0;
    const docId = `ackdoc-${Math.floor(d / 2)}`;
    // every client straight to the owner (a RawClient does not follow REDIRECT)
    const url = cluster.nodes.length > 1 ? (await cluster.ownerOf(docId)).url : node.url;
    const c = new RawClient(url, docId, {
      onContentSent: (k) => sent.set(k, performance.now()),
      onAck: (k) => {
        const t = performance.now();
        for (let i = last + 1; i <= k; i++) {
          const s = sent.get(i);
          if (s !== undefined) lat.push(t - s);
        }
        last = k;
      },
    });
    clients.push(c);
  }
  await Promise.all(clients.map((c) => c.opened()));
  await Promise.all(clients.map((c) => c.waitSynced()));
  await Promise.all(clients.map((c) => c.waitAcked()));
  lat.length = 0;
  const idle0 = cpu();
  const idleMs = Number(process.env.IDLE_MS ?? 0);
  await new Promise((r) => setTimeout(r, idleMs));
  const idleCpu = cpu() - idle0;
  const cpu0 = cpu();
  const t0 = performance.now();
  const perTick = Number(process.env.PER_TICK ?? 1);
  for (let i = 0; i < n; i += perTick) {
    for (let j = i; j < Math.min(n, i + perTick); j++) clients[j % clients.length]!.type('x');
    await new Promise((r) => setTimeout(r, gap));
  }
  await Promise.all(clients.map((c) => c.waitAcked()));
  const busyCpu = cpu() - cpu0;
  const wall = (performance.now() - t0) / 1000;
  const idleRate = idleMs > 0 ? idleCpu / (idleMs / 1000) : 0;
  console.log(
    `node cpu: idle ${(idleRate * 100).toFixed(1)}% of a core; busy ${((busyCpu * 1e6) / n).toFixed(0)} µs/update ` +
      `(${(((busyCpu - idleRate * wall) * 1e6) / n).toFixed(0)} µs/update above idle) at ${(n / wall).toFixed(0)}/s`,
  );
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
  console.log(`acks ${lat.length} p50 ${q(0.5)} p95 ${q(0.95)} max ${q(0.999)} ms`);
  for (const c of clients) c.close();
  await node.stop(); // SIGTERM: a node started with --cpu-prof writes its profile on exit
} finally {
  await cluster.stop();
}
