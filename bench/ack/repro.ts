/**
 * Ack latency at a low, steady rate (issue 14): one node, DOCS documents with 2 editors each,
 * one update every GAP ms round-robin over the editors; prints ack p50/p95/max.
 * `DOCS=200 GAP=20 N=300 npx tsx bench/ack/repro.ts`
 */
import { startCluster } from '../../test/harness/cluster.ts';
import { RawClient } from '../../test/harness/raw-client.ts';

const n = Number(process.env.N ?? 100);
const gap = Number(process.env.GAP ?? 20);
const docs = Number(process.env.DOCS ?? 1);
const cluster = await startCluster({ nodes: Number(process.env.NODES ?? 1) });
try {
  const node = cluster.nodes[0]!;
  const lat: number[] = [];
  const clients: RawClient[] = [];
  for (let d = 0; d < docs * 2; d++) {
    const sent = new Map<number, number>();
    let last = 0;
    const c = new RawClient(node.url, `ackdoc-${Math.floor(d / 2)}`, {
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
  for (let i = 0; i < n; i++) {
    clients[i % clients.length]!.type('x');
    await new Promise((r) => setTimeout(r, gap));
  }
  await Promise.all(clients.map((c) => c.waitAcked()));
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
  console.log(`acks ${lat.length} p50 ${q(0.5)} p95 ${q(0.95)} max ${q(0.999)} ms`);
  for (const c of clients) c.close();
} finally {
  await cluster.stop();
}
