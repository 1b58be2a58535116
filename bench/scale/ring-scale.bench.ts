/**
 * The ring at scale (issue 20, DESIGN R1/R2, §7 "docs moved on a join"): 100 and 1,000 members
 * with 10^7 documents. For a join and a leave it counts the documents whose owner changed and
 * whose holder set (R = 2) changed, against the ideal D/(N+1), checks that nothing moves between
 * surviving members, times the plan (every document's owner and holders in both rings: what the
 * nodes' rebalancers compute, spread over N nodes) and measures the ring's memory.
 * Document ids are generated on the fly from a seeded PRNG, never held in memory.
 *
 *   node --expose-gc --import tsx bench/scale/ring-scale.bench.ts [--quick] [--docs N] [--out bench/results]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRing, type Ring } from '../../ring/core/index.ts';

interface Row {
  readonly members: number;
  readonly docs: number;
  readonly change: 'join' | 'leave';
  readonly ownersMoved: number;
  readonly idealMoved: number;
  readonly movedRatio: number;
  readonly betweenSurvivors: number;
  readonly copiesMoved: number;
  readonly planMsTotal: number;
  readonly planMsPerNode: number;
}

interface RingCost {
  readonly members: number;
  readonly buildMs: number;
  readonly bytes: number;
}

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const quick = flag('quick');
const DOCS = Number(value('docs', quick ? '1000000' : '10000000'));
const OUT = value('out', '');
const R = 2;

/** A 21-character id per index from a seeded mix (no allocation beyond the string). */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';
function docId(i: number): string {
  let x = (i + 0x9e3779b9) >>> 0;
  let id = '';
  for (let c = 0; c < 21; c++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    id += ALPHABET[x & 63];
  }
  return id;
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

/** Heap plus typed-array memory (the ring's points live in typed arrays). Run with --expose-gc. */
function heapUsed(): number {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function measureRing(members: string[]): { ring: Ring; ms: number; bytes: number } {
  const before = heapUsed();
  const t0 = performance.now();
  const ring = createRing(members);
  ring.ownerOf('warm');
  const ms = performance.now() - t0;
  return { ring, ms, bytes: Math.max(0, heapUsed() - before) };
}

function compare(before: Ring, after: Ring, members: number, change: Row['change']): Row {
  let ownersMoved = 0;
  let betweenSurvivors = 0;
  let copiesMoved = 0;
  const t0 = performance.now();
  for (let i = 0; i < DOCS; i++) {
    const id = docId(i);
    const from = before.preferenceList(id, R);
    const to = after.preferenceList(id, R);
    if (from[0] !== to[0]) {
      ownersMoved++;
      const o = to[0];
      if (o !== undefined && before.has(o) && after.has(from[0] ?? '')) betweenSurvivors++;
    }
    for (const holder of to) if (!from.includes(holder)) copiesMoved++;
  }
  const planMsTotal = performance.now() - t0;
  const idealMoved = change === 'join' ? DOCS / (members + 1) : DOCS / members;
  return {
    members,
    docs: DOCS,
    change,
    ownersMoved,
    idealMoved,
    movedRatio: ownersMoved / idealMoved,
    betweenSurvivors,
    copiesMoved,
    planMsTotal,
    planMsPerNode: planMsTotal / members,
  };
}

const rows: Row[] = [];
const costs: RingCost[] = [];
for (const n of [100, 1000]) {
  const base = measureRing(names(n));
  costs.push({ members: n, buildMs: base.ms, bytes: base.bytes });
  rows.push(compare(base.ring, createRing([...names(n), 'joiner']), n, 'join'));
  rows.push(compare(base.ring, createRing(names(n).slice(1)), n, 'leave'));
}

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d });
console.log(
  `ring at scale: ${fmt(DOCS)} documents, R = ${R}, vnodes ${createRing(['a']).vnodes} per member`,
);
for (const r of rows) {
  const verdict = r.movedRatio <= 1.05 && r.betweenSurvivors === 0 ? 'PASS' : 'FAIL';
  console.log(
    `${String(r.members).padStart(5)} members ${r.change.padEnd(5)}: owners moved ${fmt(r.ownersMoved)} = ${r.movedRatio.toFixed(3)}x ideal (goal <= 1.05x), ` +
      `${r.betweenSurvivors} between survivors, copies to transfer ${fmt(r.copiesMoved)}; ` +
      `plan ${fmt(r.planMsTotal)} ms for all docs = ${r.planMsPerNode.toFixed(1)} ms per node  ${verdict}`,
  );
}
for (const c of costs) {
  console.log(
    `${String(c.members).padStart(5)} members ring: built in ${c.buildMs.toFixed(1)} ms, ${fmt(c.bytes / 1024 / 1024, 1)} MiB`,
  );
}
if (OUT) {
  await mkdir(OUT, { recursive: true });
  const file = path.join(OUT, `${new Date().toISOString().slice(0, 10)}-ring-scale.json`);
  await writeFile(
    file,
    `${JSON.stringify({ docs: DOCS, replicas: R, rows, costs, loadavg: os.loadavg() }, null, 2)}\n`,
  );
  console.log(`written ${file}`);
}
