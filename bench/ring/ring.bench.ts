/**
 * Ring benchmark (DESIGN §7): lookup speed against the `hashring` package, load balance and
 * key movement on joins. Run: `npx tsx bench/ring/ring.bench.ts [--quick] [--strict]`.
 * `--strict` exits 1 when a goal line says FAIL. See bench/ring/README.md.
 */
import { createRequire } from 'node:module';
import { diffRings } from '../../ring/core/diff.ts';
import { createRing } from '../../ring/core/ring.ts';
import type { Ring } from '../../ring/core/types.ts';

/** The part of hashring@3.2.0's API we use (it ships no types). */
interface HashRingInstance {
  get(key: string): string | undefined;
  readonly size: number;
}
type HashRingConstructor = new (servers: string[]) => HashRingInstance;

interface Options {
  readonly quick: boolean;
  readonly strict: boolean;
}

interface Goal {
  readonly line: string;
  readonly pass: boolean;
}

const require = createRequire(import.meta.url);

/** Deterministic PRNG (mulberry32); state lives in the returned closure. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';

/** `count` distinct 21-character nanoid-shaped document ids from `seed`. */
function docIds(count: number, seed: number): string[] {
  const random = createRandom(seed);
  const ids = new Set<string>();
  while (ids.size < count) {
    let id = '';
    for (let i = 0; i < 21; i++) id += ALPHABET[Math.floor(random() * 64)];
    ids.add(id);
  }
  return [...ids];
}

const names = (n: number, prefix = 'n'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * ns per lookup: one sample = `passes` full passes over `keys`; `passes` is calibrated once so a
 * sample takes ≥ `minSampleMs`. Returns the per-sample values; results feed a sink so the JIT
 * cannot drop the calls.
 */
function createSampler(lookup: (key: string) => string | null | undefined, keys: string[]) {
  let sink = 0;
  const pass = (): void => {
    for (let i = 0; i < keys.length; i++) sink += lookup(keys[i]!)?.length ?? 0;
  };
  let passes = 1;
  return {
    calibrate(minSampleMs: number): void {
      const t0 = process.hrtime.bigint();
      pass();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      passes = Math.max(1, Math.ceil(minSampleMs / Math.max(ms, 0.01)));
    },
    sample(): number {
      const t0 = process.hrtime.bigint();
      for (let p = 0; p < passes; p++) pass();
      return Number(process.hrtime.bigint() - t0) / (passes * keys.length);
    },
    sink: (): number => sink,
  };
}

function compareLookups(
  label: string,
  ours: Ring,
  theirs: HashRingInstance,
  keys: string[],
  reps: number,
  minSampleMs: number,
): { ours: number; theirs: number } {
  const a = createSampler((k) => ours.ownerOf(k), keys);
  const b = createSampler((k) => theirs.get(k), keys);
  a.calibrate(minSampleMs);
  b.calibrate(minSampleMs);
  a.sample();
  b.sample();
  const oursNs: number[] = [];
  const theirsNs: number[] = [];
  for (let r = 0; r < reps; r++) {
    oursNs.push(a.sample());
    theirsNs.push(b.sample());
  }
  if (a.sink() + b.sink() < 0) console.log(label);
  return { ours: median(oursNs), theirs: median(theirsNs) };
}

function loadRatio(owner: (key: string) => string | null | undefined, keys: string[], n: number) {
  const counts = new Map<string, number>();
  for (const k of keys) {
    const o = owner(k) ?? '';
    counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  return Math.max(...counts.values()) / (keys.length / n);
}

function joinMoves(before: Ring, after: Ring, keys: string[]) {
  let moved = 0;
  let betweenSurvivors = 0;
  for (const k of keys) {
    const from = before.ownerOf(k);
    const to = after.ownerOf(k);
    if (from === to) continue;
    moved++;
    if (to !== null && before.has(to)) betweenSurvivors++;
  }
  return { moved, betweenSurvivors };
}

const f1 = (x: number): string => x.toFixed(1);
const f3 = (x: number): string => x.toFixed(3);
const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

function run(options: Options): Goal[] {
  const HashRing = require('hashring') as HashRingConstructor;
  const goals: Goal[] = [];
  const say = (line: string, pass?: boolean): void => {
    if (pass === undefined) {
      console.log(line);
      return;
    }
    const full = `${line} ${verdict(pass)}`;
    console.log(full);
    goals.push({ line: full, pass });
  };

  const members = names(10);
  const keyCount = options.quick ? 20_000 : 100_000;
  const reps = options.quick ? 5 : 7;
  const minSampleMs = options.quick ? 10 : 40;
  const keys = docIds(keyCount, 1);
  const ours = createRing(members);
  const theirs = new HashRing(members);

  say(
    `ring bench: ${options.quick ? 'quick' : 'full'}, node ${process.version}, ${members.length} members, ` +
      `${keyCount} distinct doc ids (21 chars), median of ${reps} reps`,
  );
  say(
    `points: ours ${ours.members.length * ours.vnodes} (${ours.vnodes} vnodes/member, murmur3) ` +
      `hashring ${theirs.size} (40 vnodes x 4 replicas, md5, LRU cache 5000)`,
  );

  const cold = compareLookups('cold', ours, theirs, keys, reps, minSampleMs);
  const coldRatio = cold.theirs / cold.ours;
  say(
    `ring lookup ns/op: ours ${f1(cold.ours)} hashring ${f1(cold.theirs)} ratio ${f1(coldRatio)}x (goal >= 10x)`,
    coldRatio >= 10,
  );
  const hotKeys = keys.slice(0, 1000);
  const hot = compareLookups('hot', ours, theirs, hotKeys, reps, minSampleMs);
  say(
    `ring lookup ns/op, 1000 hot keys (hashring serves from its LRU cache): ours ${f1(hot.ours)} ` +
      `hashring ${f1(hot.theirs)} ratio ${f1(hot.theirs / hot.ours)}x (info)`,
  );

  const balanceKeys = options.quick ? keys : keys.slice(0, 100_000);
  const oursBalance = loadRatio((k) => ours.ownerOf(k), balanceKeys, members.length);
  const theirsBalance = loadRatio((k) => theirs.get(k), balanceKeys, members.length);
  say(
    `ring balance max/mean (10 members x ${balanceKeys.length} keys): ours ${f3(oursBalance)} ` +
      `hashring ${f3(theirsBalance)} (goal <= 1.15)`,
    oursBalance <= 1.15,
  );

  for (const n of [3, 10]) {
    const before = createRing(names(n));
    const after = createRing(names(n + 1));
    const { moved, betweenSurvivors } = joinMoves(before, after, keys);
    const ideal = keys.length / (n + 1);
    say(
      `ring join ${n}->${n + 1}: moved ${moved} ideal ${Math.round(ideal)} ratio ${f3(moved / ideal)} ` +
        `(goal <= 1.05) between survivors ${betweenSurvivors} (goal 0)`,
      moved <= 1.05 * ideal && betweenSurvivors === 0,
    );
  }

  // Spread over random member names: the figures above are one draw of the vnode placement.
  const sets = options.quick ? 10 : 40;
  const spreadKeys = options.quick ? keys.slice(0, 10_000) : keys;
  for (const vnodes of [160, 512, 1024]) {
    const balances: number[] = [];
    const moves: number[] = [];
    let survivorsTotal = 0;
    const random = createRandom(7);
    for (let s = 0; s < sets; s++) {
      const tag = Math.floor(random() * 1e9).toString(36);
      const ids = names(10, `${tag}-`);
      const before = createRing(ids, { vnodes });
      const after = createRing([...ids, `${tag}-new`], { vnodes });
      balances.push(loadRatio((k) => before.ownerOf(k), spreadKeys, 10));
      const { moved, betweenSurvivors } = joinMoves(before, after, spreadKeys);
      moves.push(moved / (spreadKeys.length / 11));
      survivorsTotal += betweenSurvivors;
    }
    say(
      `ring spread vnodes ${vnodes}, ${sets} random 10-member sets x ${spreadKeys.length} keys: ` +
        `balance p50 ${f3(quantile(balances, 0.5))} p95 ${f3(quantile(balances, 0.95))} ` +
        `max ${f3(Math.max(...balances))}, <= 1.15 in ${balances.filter((b) => b <= 1.15).length}/${sets}; ` +
        `join 10->11 moved/ideal p50 ${f3(quantile(moves, 0.5))} p95 ${f3(quantile(moves, 0.95))} ` +
        `max ${f3(Math.max(...moves))}, <= 1.05 in ${moves.filter((m) => m <= 1.05).length}/${sets}; ` +
        `between survivors ${survivorsTotal} (info)`,
    );
  }

  const buildReps = options.quick ? 20 : 100;
  const buildNs: number[] = [];
  const diffNs: number[] = [];
  for (let r = 0; r < buildReps; r++) {
    const t0 = process.hrtime.bigint();
    const a = createRing(names(10));
    const t1 = process.hrtime.bigint();
    diffRings(a, createRing(names(11)));
    const t2 = process.hrtime.bigint();
    buildNs.push(Number(t1 - t0));
    diffNs.push(Number(t2 - t1));
  }
  say(
    `ring build (10 members) us: ${f1(median(buildNs) / 1e3)}; diffRings 10->11 incl. one build us: ` +
      `${f1(median(diffNs) / 1e3)} (info)`,
  );
  return goals;
}

function main(argv: string[]): void {
  const options: Options = { quick: argv.includes('--quick'), strict: argv.includes('--strict') };
  const started = performance.now();
  const goals = run(options);
  const passed = goals.filter((g) => g.pass).length;
  console.log(
    `ring bench: ${passed}/${goals.length} goals PASS in ${f1((performance.now() - started) / 1000)} s`,
  );
  if (options.strict && passed < goals.length) process.exitCode = 1;
}

main(process.argv.slice(2));
