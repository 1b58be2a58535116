import type { CrashResult } from '../items/crash.ts';
import type { ForwardingResult } from '../items/forwarding.ts';
import type { MemoryResult } from '../items/memory.ts';
import { type SweepResult, stepFailure } from '../items/propagation.ts';
import { NOT_MEASURED, REBALANCING_ITEMS } from '../items/rebalancing.ts';
import type { RedirectResult } from '../items/redirect.ts';
import type { StepResult } from './load.ts';
import { averageMicros, type CpuStep, marginalCpu, updatesPerSecond } from './marginal.ts';
import { type BenchPlan, DURABLE_PEERS, LABELS, OURS, PEERS, SHIPPED_PEERS } from './plan.ts';
import type { ProfileSplit, ProfileSummary } from './profile.ts';
import { median, type Quantiles } from './stats.ts';
import { type ChartSeries, lineChart } from './svg.ts';
import type { TraceStats } from './trace.ts';
import type { ServerKind } from './wire.ts';

/** Everything a run measured, per server kind and repetition. */
export interface Collected {
  readonly plan: BenchPlan;
  readonly sweeps: Map<ServerKind, SweepResult[]>;
  readonly memory: Map<ServerKind, MemoryResult[]>;
  readonly redirect: RedirectResult[];
  readonly crash: CrashResult[];
  /** Forwarded client (C10), one per repetition (absent in results written before it). */
  readonly forwarding?: ForwardingResult[];
  relaySweep: SweepResult | null;
  relayMemory: MemoryResult | null;
  redirectFloor: RedirectResult | null;
  fsync: Quantiles | null;
  /** Goal lines printed by bench/ring (ring lookup, join movement). */
  ringLines: string[];
  /** Goal and info lines printed by bench/moves (live rebalancing); empty when not run. */
  moveLines: string[];
  readonly errors: string[];
  /** Servers that could not run, with the text shown in their column. */
  readonly unavailable: Map<ServerKind, string>;
  profile: {
    readonly scenario: string;
    readonly summary: ProfileSummary;
    /** Per-update CPU (µs) split by area, over every node's profile. */
    readonly split: ProfileSplit | null;
    /** Tokens sent and server CPU seconds (all nodes, /proc) during the profiled steps. */
    readonly updates: number;
    readonly serverCpuSeconds: number;
  } | null;
  encodedDocBytes: number;
  editorTrace: TraceStats | null;
  docTrace: TraceStats | null;
}

export type Verdict = 'PASS' | 'FAIL' | 'info' | 'error';

/** One row of the figures table (one DESIGN §7 item). */
export interface Figure {
  readonly metric: string;
  readonly goal: string;
  /** Formatted value per column (ours + each peer). */
  readonly cells: Partial<Record<ServerKind, string>>;
  /** ours / peer, formatted, per peer. */
  readonly ratios: string;
  readonly floor: string;
  readonly verdict: Verdict;
  readonly clientBound: readonly ServerKind[];
  /** Servers whose process waited ≥ 10 % of the time for a CPU other processes held. */
  readonly contended?: readonly ServerKind[];
}

/** Share of a step a server waits for the CPU from which its figure is flagged `contended`. */
export const CONTENDED_WAIT = 0.1;

const ms = (v: number) =>
  Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ms` : '–';
const kb = (v: number) => (Number.isFinite(v) ? `${(v / 1024).toFixed(1)} KB` : '–');
const rate = (v: number) =>
  Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')}/s` : '–';
const x = (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(1)}x` : '–');

function medianOf<T>(list: readonly T[] | undefined, pick: (t: T) => number): number {
  const values = (list ?? []).map(pick).filter((v) => Number.isFinite(v));
  return values.length ? median(values) : Number.NaN;
}

/**
 * The sweeps of `kind` that count: those not run on a machine busy with other work, or all of
 * them when none is clean.
 */
export function validSweeps(c: Collected, kind: ServerKind): SweepResult[] | undefined {
  const all = c.sweeps.get(kind);
  if (!all) return undefined;
  const clean = all.filter((s) => !s.machineBusy);
  return clean.length > 0 ? clean : all;
}

/** Every column of the figures table: ours (3 nodes), ours (1 node), the peers. */
export const COLUMNS: readonly ServerKind[] = [...OURS, ...PEERS];

const peersRun = (c: Collected, peers: readonly ServerKind[] = PEERS) =>
  peers.filter((p) => !c.unavailable.has(p));

function cellsFor(
  c: Collected,
  value: (kind: ServerKind) => number,
  format: (v: number) => string,
): Partial<Record<ServerKind, string>> {
  const cells: Partial<Record<ServerKind, string>> = {};
  for (const kind of COLUMNS) {
    cells[kind] = c.unavailable.get(kind) ?? format(value(kind));
  }
  return cells;
}

/**
 * ours/peer for every peer that ran, formatted, and whether each satisfies `ok(ratio)`
 * (false when a value is missing).
 */
function compare(
  c: Collected,
  value: (kind: ServerKind) => number,
  ok: (ratio: number) => boolean,
  peers: readonly ServerKind[] = PEERS,
): { text: string; pass: boolean } {
  const ours = value('ours');
  const parts: string[] = [];
  let pass = Number.isFinite(ours);
  for (const peer of peersRun(c, peers)) {
    const r = ours / value(peer);
    parts.push(`${x(r)} vs ${peer}`);
    if (!Number.isFinite(r) || !ok(r)) pass = false;
  }
  return { text: parts.join(', '), pass };
}

const bound = (c: Collected, kinds: ServerKind[], flag: (k: ServerKind) => boolean) =>
  kinds.filter((k) => !c.unavailable.has(k) && flag(k));

const busyLabel = (p: BenchPlan) =>
  `${p.sweep.docs.toLocaleString('en-US')} docs x 2 editors, ${p.sweep.busyRate.toLocaleString('en-US')} updates/s`;

/** The sustained row's goal (DESIGN §7): this many times each durable peer, and each peer as shipped. */
const SUSTAINED_VS_DURABLE = 5;
const SUSTAINED_VS_SHIPPED = 2;

/**
 * The rate per core the sustained row asks of ours: 5x the best durable peer and 2x the best
 * peer as shipped, whichever is higher, over the peers of the run (NaN when none ran).
 */
export function sustainedGoalRate(c: Collected): number {
  const sustained = (k: ServerKind) => medianOf(validSweeps(c, k), (s) => s.sustained);
  const asked = [
    ...peersRun(c, DURABLE_PEERS).map((k) => SUSTAINED_VS_DURABLE * sustained(k)),
    ...peersRun(c, SHIPPED_PEERS).map((k) => SUSTAINED_VS_SHIPPED * sustained(k)),
  ].filter(Number.isFinite);
  return asked.length > 0 ? Math.max(...asked) : Number.NaN;
}

/** The figures table, one row per DESIGN §7 item, in DESIGN order. */
export function buildFigures(c: Collected): Figure[] {
  const plan = c.plan;
  const all = [...COLUMNS];
  const figures: Figure[] = [];
  const sweeps = (k: ServerKind) => validSweeps(c, k);

  const prop = (k: ServerKind) => medianOf(sweeps(k), (s) => s.busy.propagation.p99);
  const propCmp = compare(c, prop, (r) => r <= 0.5);
  figures.push({
    metric: `edit propagation p99 (${busyLabel(plan)})`,
    goal: '<= 0.5x each peer',
    cells: cellsFor(c, prop, ms),
    ratios: propCmp.text,
    floor: c.relaySweep ? `${ms(c.relaySweep.busy.propagation.p99)} (bare uWS relay)` : '–',
    verdict: propCmp.pass ? 'PASS' : 'FAIL',
    clientBound: bound(c, all, (k) => (sweeps(k) ?? []).some((s) => s.busy.clientBound)),
    contended: bound(
      c,
      all,
      (k) => medianOf(sweeps(k), (s) => s.busy.serverWait) >= CONTENDED_WAIT,
    ),
  });

  // Every server process of a kind (ours: all 3 nodes) runs on one core, so per core = the rate.
  const sustained = (k: ServerKind) => medianOf(sweeps(k), (s) => s.sustained);
  const durableCmp = compare(c, sustained, (r) => r >= SUSTAINED_VS_DURABLE, DURABLE_PEERS);
  const shippedCmp = compare(c, sustained, (r) => r >= SUSTAINED_VS_SHIPPED, SHIPPED_PEERS);
  const lowest = plan.sweep.busyRate / 8;
  figures.push({
    metric:
      'updates/s sustained at p99 < 100 ms and ack p95 < 20 ms, per core (every server on 1 core; peers: ack = echo of the own update, not durable)',
    goal: '>= 5x each durable peer, >= 2x each peer as shipped',
    cells: cellsFor(c, sustained, (v) => (v === 0 ? `< ${rate(lowest)}` : rate(v))),
    ratios: `durable: ${durableCmp.text}; as shipped: ${shippedCmp.text}`,
    floor: c.relaySweep
      ? `${rate(c.relaySweep.sustained)}${c.relaySweep.clientBound ? ' (client-bound)' : ''} (bare uWS relay)`
      : '–',
    verdict: durableCmp.pass && shippedCmp.pass ? 'PASS' : 'FAIL',
    clientBound: bound(c, all, (k) => (sweeps(k) ?? []).some((s) => s.clientBound)),
    contended: bound(
      c,
      all,
      (k) =>
        medianOf(sweeps(k), (s) => median(s.steps.map((step) => step.serverWait))) >=
        CONTENDED_WAIT,
    ),
  });

  const memoryKinds = [...c.memory.keys()].filter((k) => k !== 'ours');
  const conn = (k: ServerKind) => medianOf(c.memory.get(k), (m) => m.perConnectionRss);
  const connCmp = compare(c, conn, (r) => r <= 0.25, memoryKinds);
  figures.push({
    metric: `memory per idle connection (resident, ${plan.memory.connections.toLocaleString('en-US')} sockets; ours: one node)`,
    goal: '<= 0.25x peers',
    cells: cellsFor(c, conn, kb),
    ratios: connCmp.text,
    floor: c.relayMemory ? `${kb(c.relayMemory.perConnectionRss)} (bare uWS socket)` : '–',
    verdict: conn('ours') > 0 ? (connCmp.pass ? 'PASS' : 'FAIL') : 'error',
    clientBound: [],
  });

  const doc = (k: ServerKind) => medianOf(c.memory.get(k), (m) => m.perDocRss);
  const docRatio = doc('ours') / c.encodedDocBytes;
  const docHeap = medianOf(c.memory.get('ours'), (m) => m.perDocHeap);
  figures.push({
    metric: `memory per idle loaded doc (resident, ${plan.memory.docs} docs open, ${kb(c.encodedDocBytes)} encoded each; just synced: ours keeps it encoded once its clients caught up)`,
    goal: '<= 2x encoded size',
    cells: cellsFor(c, doc, kb),
    ratios: `${x(docRatio)} of encoded (ours' heap ${kb(docHeap)}, ${x(docHeap / c.encodedDocBytes)}); ${compare(c, doc, () => true, memoryKinds).text}`,
    floor: `${kb(c.encodedDocBytes)} (encoded size)`,
    verdict: Number.isFinite(docRatio) ? (docRatio <= 2 ? 'PASS' : 'FAIL') : 'error',
    clientBound: [],
  });
  const kept = medianOf(c.memory.get('ours'), (m) => m.perEncodedDocRss ?? Number.NaN);
  if (Number.isFinite(kept)) {
    const r = kept / c.encodedDocBytes;
    const keptHeap = medianOf(c.memory.get('ours'), (m) => m.perEncodedDocHeap ?? Number.NaN);
    figures.push({
      metric:
        'memory per idle loaded doc, editors attached, after the idle window (ours keeps it encoded, issue 14; resident)',
      goal: '<= 2x encoded size',
      cells: { ours: kb(kept) },
      ratios: `${x(r)} of encoded (heap ${kb(keptHeap)}, ${x(keptHeap / c.encodedDocBytes)})`,
      floor: `${kb(c.encodedDocBytes)} (encoded size)`,
      verdict: r <= 2 ? 'PASS' : 'FAIL',
      clientBound: [],
    });
  }
  const unloaded = medianOf(c.memory.get('ours'), (m) => m.perUnloadedDocHeap ?? Number.NaN);
  if (Number.isFinite(unloaded)) {
    const r = unloaded / c.encodedDocBytes;
    figures.push({
      metric: 'memory per idle doc after its editors left (ours unloads to encoded, N1; heap)',
      goal: '<= 2x encoded size',
      cells: { ours: kb(unloaded) },
      ratios: `${x(r)} of encoded`,
      floor: `${kb(c.encodedDocBytes)} (encoded size)`,
      verdict: r <= 2 ? 'PASS' : 'FAIL',
      clientBound: [],
    });
  }

  for (const line of c.ringLines) figures.push(ringFigure(line));
  const pending = (metric: string) => {
    const item = REBALANCING_ITEMS.find((i) => i.metric.startsWith(metric));
    if (!item) return;
    figures.push({
      metric: item.metric,
      goal: item.goal,
      cells: { ours: c.plan.quick ? 'not run in --quick (bench/moves)' : NOT_MEASURED },
      ratios: '',
      floor: '–',
      verdict: c.plan.quick ? 'info' : 'error',
      clientBound: [],
    });
  };
  if (c.moveLines.length > 0) {
    for (const line of c.moveLines) figures.push(movesFigure(line));
  } else {
    pending('docs moved on join');
    pending('planned move: per-doc');
    pending('planned move: 160 KB');
  }

  if (c.crash.length > 0) {
    const ttl = c.crash[0]!.leaseTtl;
    const max = medianOf(c.crash, (r) => r.writable.max);
    const p50 = medianOf(c.crash, (r) => r.writable.p50);
    const stuck = c.crash.reduce((a, r) => a + r.stuck, 0);
    const s = (v: number) => `${(v / 1000).toFixed(2)} s`;
    figures.push({
      metric: `crash: doc writable again (SIGKILL of the owner of ${c.plan.crash.docs} docs, 3 nodes, lease TTL ${ttl} s; max over docs)`,
      goal: `<= TTL + 1 s (${ttl + 1} s)`,
      cells: { ours: `${s(max)} (p50 ${s(p50)})${stuck ? `, ${stuck} never writable` : ''}` },
      ratios: '',
      floor: `${s(((ttl * 2) / 3) * 1000)}–${s(ttl * 1000)} (lease expiry: TTL after the last keepalive, sent every TTL/3)`,
      verdict: Number.isFinite(max)
        ? max <= (ttl + 1) * 1000 && stuck === 0
          ? 'PASS'
          : 'FAIL'
        : 'error',
      clientBound: [],
    });
  }

  const fwd = medianOf(c.forwarding, (r) => r.forwarded.p50 / r.direct.p50);
  figures.push({
    metric:
      'forwarded client (C10): propagation p50 through a non-owner node vs a direct client (3 nodes, stock y-websocket clients)',
    goal: '<= 1.5x a direct client',
    cells: {
      ours: Number.isFinite(fwd)
        ? `${x(fwd)} (${ms(medianOf(c.forwarding, (r) => r.forwarded.p50))} vs ${ms(medianOf(c.forwarding, (r) => r.direct.p50))} direct)`
        : 'not measured',
    },
    ratios: '',
    floor: '–',
    verdict: Number.isFinite(fwd) ? (fwd <= 1.5 ? 'PASS' : 'FAIL') : 'error',
    clientBound: [],
  });

  const ratio = medianOf(c.redirect, (r) => r.redirected.p50 / r.direct.p50);
  const floor = c.redirectFloor
    ? c.redirectFloor.redirected.p50 / c.redirectFloor.direct.p50
    : Number.NaN;
  figures.push({
    metric: `redirect cost (connect to a non-owner, REDIRECT, sync at the owner; median, 3 nodes)`,
    goal: '<= 2.5x a direct connect',
    cells: {
      ours: `${x(ratio)} (${ms(medianOf(c.redirect, (r) => r.redirected.p50))} vs ${ms(medianOf(c.redirect, (r) => r.direct.p50))} direct)`,
    },
    ratios: '',
    floor: Number.isFinite(floor)
      ? `${x(floor)} (bare uWS: ${ms(c.redirectFloor!.redirected.p50)} vs ${ms(c.redirectFloor!.direct.p50)})`
      : '–',
    verdict: Number.isFinite(ratio) ? (ratio <= 2.5 ? 'PASS' : 'FAIL') : 'error',
    clientBound: [],
  });

  const ackP95 = (k: ServerKind) => medianOf(sweeps(k), (s) => s.busy.ack?.p95 ?? Number.NaN);
  const ack = ackP95('ours');
  figures.push({
    metric: `durable ack p95 (${busyLabel(plan)}; peers: echo of the own update, not durable)`,
    goal: '< 20 ms',
    cells: cellsFor(c, ackP95, ms),
    ratios: '',
    floor: c.fsync ? `${ms(c.fsync.p95)} (append + fsync p95)` : '–',
    verdict: Number.isFinite(ack) ? (ack < 20 ? 'PASS' : 'FAIL') : 'error',
    clientBound: bound(c, ['ours'], (k) => (sweeps(k) ?? []).some((s) => s.busy.clientBound)),
  });

  // Per-token accounting over every step of every sweep (the overload step included).
  const tokenSteps = (k: ServerKind) =>
    (c.sweeps.get(k) ?? []).flatMap((r) => [...r.steps, ...(r.overload ? [r.overload.step] : [])]);
  const tokenSum = (k: ServerKind, pick: (s: StepResult) => number) =>
    tokenSteps(k).reduce((a, s) => a + pick(s), 0);
  const oursLost = tokenSum('ours', (s) => s.tokens.lost + s.tokens.duplicated);
  figures.push({
    metric: 'tokens lost / duplicated (per token, every step of the sweep incl. overload)',
    goal: '0',
    cells: Object.fromEntries(
      COLUMNS.map((k) => [
        k,
        c.unavailable.get(k) ??
          (tokenSteps(k).length
            ? `${tokenSum(k, (s) => s.tokens.lost)} lost (${tokenSum(k, (s) => s.tokens.lostMidSequence)} mid-sequence), ${tokenSum(k, (s) => s.tokens.duplicated)} dup of ${tokenSum(k, (s) => s.tokens.sent).toLocaleString('en-US')}`
            : '–'),
      ]),
    ),
    ratios: '',
    floor: '–',
    verdict: tokenSteps('ours').length ? (oursLost === 0 ? 'PASS' : 'FAIL') : 'error',
    clientBound: [],
  });

  const over = (k: ServerKind) => medianOverload(sweeps(k));
  const o = over('ours');
  figures.push({
    metric: `overload: 2x the sustained rate for ${plan.sweep.overloadSeconds} s (closed sockets with close codes, lost tokens, p99 during, back to normal after)`,
    goal: '0 closed, 0 lost, back < 10 s',
    cells: Object.fromEntries(
      COLUMNS.map((k) => [
        k,
        c.unavailable.get(k) ??
          (over(k)
            ? overloadCell(over(k))
            : sweeps(k)?.length
              ? 'not run: no step was sustained, so there is no rate to double'
              : '–'),
      ]),
    ),
    ratios: '',
    floor: '–',
    verdict: o
      ? o.step.closedSockets === 0 &&
        o.step.tokens.lost === 0 &&
        o.backToNormalSeconds !== null &&
        o.backToNormalSeconds < 10
        ? 'PASS'
        : 'FAIL'
      : sweeps('ours')?.length
        ? 'FAIL'
        : 'error',
    clientBound: bound(c, all, (k) => over(k)?.step.clientBound === true),
  });
  return figures;
}

/** The overload result of the sweep with the median overload p99 (null when none ran). */
function medianOverload(runs: readonly SweepResult[] | undefined) {
  const list = (runs ?? []).flatMap((r) => (r.overload ? [r.overload] : []));
  if (list.length === 0) return null;
  return [...list].sort((a, b) => a.step.propagation.p99 - b.step.propagation.p99)[
    list.length >> 1
  ]!;
}

function overloadCell(o: ReturnType<typeof medianOverload>): string {
  if (!o) return '–';
  const s = o.step;
  const codes = Object.entries(s.closeCodes)
    .map(([code, n]) => `${n}x ${code}`)
    .join(', ');
  return (
    `${rate(o.rate)}: ${s.closedSockets} closed${codes ? ` (${codes})` : ''}, ${s.tokens.lost} lost, ` +
    `${s.tokens.duplicated} dup, p99 ${ms(s.propagation.p99)}${s.ack ? `, ${s.ackKind} p95 ${ms(s.ack.p95)}` : ''}, ` +
    `back to normal ${o.backToNormalSeconds === null ? 'not within 10 windows' : `after ${o.backToNormalSeconds.toFixed(1)} s`}` +
    (s.clientBound ? ' (client-bound)' : '')
  );
}

/** A goal line of bench/ring as a row of the table (ours only; hashring is in the cell). */
export function ringFigure(line: string): Figure {
  const verdict: Verdict = line.endsWith(' PASS')
    ? 'PASS'
    : line.endsWith(' FAIL')
      ? 'FAIL'
      : 'info';
  const lookup =
    /^ring lookup ns\/op: ours ([\d.]+) hashring ([\d.]+) ratio ([\d.]+)x \(goal ([^)]*)\)/.exec(
      line,
    );
  if (lookup) {
    return {
      metric: 'ring lookup (ns per ownerOf, 100,000 distinct ids; bench/ring)',
      goal: `${lookup[4]} faster than hashring 3.2.0`,
      cells: { ours: `${lookup[1]} ns (hashring ${lookup[2]} ns): ${lookup[3]}x faster` },
      ratios: '',
      floor: '–',
      verdict,
      clientBound: [],
    };
  }
  const join =
    /^ring join (\d+->\d+): moved (\d+) ideal (\d+) ratio ([\d.]+) \(goal ([^)]*)\) between survivors (\d+)/.exec(
      line,
    );
  if (join) {
    return {
      metric: `docs moved on a join ${join[1]} (pure ring; bench/ring)`,
      goal: '<= 1.05 x D/(N+1), 0 between survivors',
      cells: {
        ours: `${join[2]} moved (ideal ${join[3]}): ${join[4]}x; ${join[6]} between survivors`,
      },
      ratios: '',
      floor: '–',
      verdict,
      clientBound: [],
    };
  }
  return {
    metric: line.replace(/ (PASS|FAIL)$/, ''),
    goal: 'see bench/ring',
    cells: {},
    ratios: '',
    floor: '–',
    verdict,
    clientBound: [],
  };
}

/** A line of bench/moves as a row: metric before the first ':', goals from `(goal …)`. */
export function movesFigure(line: string): Figure {
  const verdict: Verdict = / FAIL\b/.test(line) ? 'FAIL' : / PASS\b/.test(line) ? 'PASS' : 'info';
  const body = line.replace(/ (PASS|FAIL)\b/g, '');
  const colon = body.indexOf(': ');
  const metric = colon > 0 ? body.slice(0, colon) : body;
  const rest = colon > 0 ? body.slice(colon + 2) : '';
  const goals = [...rest.matchAll(/goal ([^);]*)/g)].map((m) => m[1]!.trim());
  const cell = rest
    .replace(/ ?\(goal [^)]*\)/g, '')
    .replace(/; goal [^)]*/g, '')
    .replace(/ \(info\)$/, '');
  return {
    metric: `${metric} (bench/moves)`,
    goal: goals.length ? goals.join('; ') : 'info',
    cells: { ours: cell },
    ratios: '',
    floor: '–',
    verdict,
    clientBound: [],
  };
}

/** One console line per figure: metric, every column, ratio, floor, goal, verdict, flags. */
export function figureLine(f: Figure): string {
  const cols = COLUMNS.filter((k) => f.cells[k] !== undefined)
    .map((k) => `${k} ${f.cells[k]}`)
    .join(' | ');
  return [
    f.metric,
    cols ? `: ${cols}` : '',
    f.ratios ? ` | ours/peer ${f.ratios}` : '',
    f.floor !== '–' ? ` | floor ${f.floor}` : '',
    ` | goal ${f.goal} | ${f.verdict}`,
    f.clientBound.length ? ` | client-bound: ${f.clientBound.join(', ')}` : '',
    f.contended?.length ? ` | contended: ${f.contended.join(', ')}` : '',
  ].join('');
}

/**
 * Per server: one point per ladder rate (median p99 over the reps that ran it), drawn as
 * failed unless more than half of all reps passed it.
 */
export function chartSeries(c: Collected): ChartSeries[] {
  const colors: Record<ServerKind, string> = {
    ours: '#1f77b4',
    'ours-1': '#17becf',
    'y-websocket': '#ff7f0e',
    'y-websocket-leveldb': '#d62728',
    'hocuspocus-3': '#2ca02c',
    'hocuspocus-3-sqlite': '#bcbd22',
    'hocuspocus-4': '#9467bd',
    'hocuspocus-4-sqlite': '#8c564b',
    relay: '#7f7f7f',
  };
  const series: ChartSeries[] = [];
  const sw = c.plan.sweep;
  const rungs = [sw.busyRate / 8, sw.busyRate / 4, sw.busyRate / 2, sw.busyRate, ...sw.ladder];
  /** One point per ladder rate (bisection steps differ between reps and stay in the table). */
  const add = (kind: ServerKind, runs: readonly SweepResult[]) => {
    const points = rungs.flatMap((r) => {
      const steps = runs.flatMap((run) => run.steps.filter((s) => s.rate === r));
      if (steps.length === 0) return [];
      const passed = steps.filter((s) => stepFailure(s) === null).length;
      return [
        {
          x: r,
          y: median(
            steps.map((s) => (Number.isFinite(s.propagation.p99) ? s.propagation.p99 : 1e5)),
          ),
          failed: passed * 2 <= runs.length,
        },
      ];
    });
    series.push({ label: LABELS[kind], color: colors[kind], points, dashed: kind === 'relay' });
  };
  for (const kind of COLUMNS) {
    const runs = validSweeps(c, kind);
    if (runs?.length) add(kind, runs);
  }
  if (c.relaySweep) add('relay', [c.relaySweep]);
  return series;
}

export function propagationChart(c: Collected, title: string): string {
  return lineChart(chartSeries(c), {
    title,
    xLabel: `offered load, updates/s (${c.plan.sweep.docs} docs x 2 editors, one socket each)`,
    yLabel: 'edit propagation p99, ms (log)',
    limit: { y: 100, label: 'p99 100 ms' },
  });
}

const mdEscape = (s: string) => s.replace(/\|/g, '\\|');

/** The figures as a Markdown table. */
export function figuresTable(figures: readonly Figure[], c: Collected): string {
  const cols = [...COLUMNS];
  const head = `| what | goal | ${cols.map((k) => LABELS[k]).join(' | ')} | ours / peer | floor | verdict |`;
  const rule = `|${' --- |'.repeat(cols.length + 5)}`;
  const rows = figures.map((f) => {
    const cells = cols.map((k) => mdEscape(f.cells[k] ?? ''));
    const flag =
      (f.clientBound.length ? ` (client-bound: ${f.clientBound.join(', ')})` : '') +
      (f.contended?.length ? ` (contended: ${f.contended.join(', ')})` : '');
    return `| ${mdEscape(f.metric)} | ${mdEscape(f.goal)} | ${cells.join(' | ')} | ${mdEscape(f.ratios)} | ${mdEscape(f.floor)} | ${f.verdict}${flag} |`;
  });
  void c;
  return [head, rule, ...rows].join('\n');
}

function stepRow(kind: ServerKind, rep: string, s: StepResult): string {
  const failure = stepFailure(s);
  const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
  const t = s.tokens;
  return `| ${LABELS[kind]} | ${rep} | ${rate(s.rate)} | ${ms(s.propagation.p50)} | ${ms(s.propagation.p99)} | ${ms(s.propagation.max)} | ${s.ack ? `${ms(s.ack.p95)} (${s.ackKind})` : 'none'} | ${t.delivered}/${t.sent}, ${t.lost} lost (${t.lostMidSequence} mid), ${t.duplicated} dup, ${s.undeliveredAtDrain} late at drain | ${pct(s.serverCpu)} (${pct(s.serverWait)}) | ${s.generators.map((g) => pct(g.cpu)).join(' + ')} (${pct(s.clientWait)})${s.clientBound ? ' client-bound' : ''} | ${pct(s.otherCpu)} | ${ms(s.clientLagP99)} | ${failure ?? 'ok'}${s.retried ? ' (2nd try: 1st starved of CPU)' : ''} |`;
}

/** Every sweep step of every repetition, for the results file. */
export function stepsTable(c: Collected): string {
  const lines = [
    '| server | rep | offered | p50 | p99 | max | ack p95 (kind) | tokens: delivered/sent, lost, dup | server CPU (waited) | generator processes CPU (waited) | other CPU | generator loop lag p99 | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const kind of COLUMNS) {
    (c.sweeps.get(kind) ?? []).forEach((run, i) => {
      const rep = `${i + 1}${run.machineBusy ? ' (discarded: machine busy)' : ''}`;
      for (const s of run.steps) lines.push(stepRow(kind, rep, s));
      if (run.overload) lines.push(stepRow(kind, `${rep} overload`, run.overload.step));
    });
  }
  if (c.relaySweep) for (const s of c.relaySweep.steps) lines.push(stepRow('relay', '1', s));
  return lines.join('\n');
}

/** CPU the server spent per update in the busy step (µs, median over reps): where the time goes. */
export function cpuPerUpdateTable(c: Collected): string {
  const lines = [
    '| server | server CPU at the busy load | CPU per update | other CPU on the machine | propagation p50 | p99 | server waited for CPU |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const row = (kind: ServerKind, runs: readonly SweepResult[]) => {
    const cpu = medianOf(runs, (r) => r.busy.serverCpu);
    const per = medianOf(runs, (r) => (r.busy.serverCpuSeconds * 1e6) / Math.max(1, r.busy.sent));
    lines.push(
      `| ${LABELS[kind]} | ${(cpu * 100).toFixed(0)}% | ${per.toFixed(0)} µs | ${(medianOf(runs, (r) => r.busy.otherCpu) * 100).toFixed(0)}% | ${ms(medianOf(runs, (r) => r.busy.propagation.p50))} | ${ms(medianOf(runs, (r) => r.busy.propagation.p99))} | ${(medianOf(runs, (r) => r.busy.serverWait) * 100).toFixed(0)}% |`,
    );
  };
  for (const kind of COLUMNS) {
    const runs = validSweeps(c, kind);
    if (runs?.length) row(kind, runs);
  }
  if (c.relaySweep) row('relay', [c.relaySweep]);
  return lines.join('\n');
}

/** A measured step as the marginal-CPU computation sees it. */
export function cpuStep(s: StepResult): CpuStep {
  return {
    rate: s.rate,
    sent: s.sent,
    serverCpu: s.serverCpu,
    serverCpuSeconds: s.serverCpuSeconds,
    passed: stepFailure(s) === null,
  };
}

/** One server's CPU while idle, on average per update and per extra update (medians over reps). */
export interface MarginalRow {
  readonly kind: ServerKind;
  /** Server CPU (cores) connected and idle; NaN without an idle step. */
  readonly idleCores: number;
  /** The busy step's average µs per update, its updates/s, and the idle CPU's part of it. */
  readonly averageMicros: number;
  readonly busyRate: number;
  readonly idleMicrosAtBusy: number;
  /** µs per extra update (slope), and between which offered rates (first repetition's). */
  readonly marginalMicros: number;
  readonly between: readonly [number, number] | null;
  readonly upperFailed: boolean;
}

export function marginalRows(c: Collected): MarginalRow[] {
  const rows: MarginalRow[] = [];
  const row = (kind: ServerKind, runs: readonly SweepResult[]) => {
    const m = runs.map((r) => marginalCpu(r.steps.map(cpuStep), r.idle ? cpuStep(r.idle) : null));
    const idleCores = medianOf(m, (x) => x.idleCores ?? Number.NaN);
    const busyRate = medianOf(runs, (r) => updatesPerSecond(cpuStep(r.busy)));
    rows.push({
      kind,
      idleCores,
      averageMicros: medianOf(runs, (r) => averageMicros(cpuStep(r.busy))),
      busyRate,
      idleMicrosAtBusy: (idleCores / busyRate) * 1e6,
      marginalMicros: medianOf(m, (x) => x.marginalMicros ?? Number.NaN),
      between: m.find((x) => x.between)?.between ?? null,
      upperFailed: m.some((x) => x.upperFailed),
    });
  };
  for (const kind of COLUMNS) {
    const runs = validSweeps(c, kind);
    if (runs?.length) row(kind, runs);
  }
  if (c.relaySweep) row('relay', [c.relaySweep]);
  return rows;
}

const micros = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} µs` : '–');

/**
 * The average CPU per update beside what an extra update costs (the slope between two steps)
 * and what the server spends connected but idle (a step at 0 updates/s).
 */
export function marginalTable(c: Collected): string {
  const lines = [
    '| server | idle CPU (connected, no edits) | average per update at the busy load | of which idle CPU | marginal per update (slope) | slope between |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of marginalRows(c)) {
    lines.push(
      `| ${LABELS[r.kind]} | ${Number.isFinite(r.idleCores) ? `${(r.idleCores * 100).toFixed(1)}% of a core` : '–'} | ${micros(r.averageMicros)} at ${rate(r.busyRate)} | ${micros(r.idleMicrosAtBusy)} | ${micros(r.marginalMicros)} | ${r.between ? `${r.between.map((v) => (v === 0 ? 'idle' : rate(v))).join(' → ')}${r.upperFailed ? ' (upper step failed)' : ''}` : '–'} |`,
    );
  }
  return lines.join('\n');
}

export function memoryTable(c: Collected): string {
  const lines = [
    '| server | rep | per connection resident | per connection heap | per open doc resident | per open doc heap | per unloaded doc heap |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const rows = (kind: ServerKind, list: readonly MemoryResult[]) =>
    list.forEach((m, i) => {
      lines.push(
        `| ${LABELS[kind]} | ${i + 1} | ${kb(m.perConnectionRss)} | ${kb(m.perConnectionHeap)} | ${kb(m.perDocRss)} | ${kb(m.perDocHeap)} | ${m.perUnloadedDocHeap === null ? '' : kb(m.perUnloadedDocHeap)} |`,
      );
    });
  for (const kind of COLUMNS) rows(kind, c.memory.get(kind) ?? []);
  if (c.relayMemory) rows('relay', [c.relayMemory]);
  return lines.join('\n');
}

export function redirectTable(c: Collected): string {
  const lines = [
    '| run | direct p50 | direct p95 | redirected p50 | redirected p95 | ratio (p50) |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const row = (name: string, r: RedirectResult) => {
    lines.push(
      `| ${name} | ${ms(r.direct.p50)} | ${ms(r.direct.p95)} | ${ms(r.redirected.p50)} | ${ms(r.redirected.p95)} | ${x(r.redirected.p50 / r.direct.p50)} |`,
    );
  };
  c.redirect.forEach((r, i) => {
    row(`ours rep ${i + 1}`, r);
  });
  if (c.redirectFloor) row('bare uWS (floor)', c.redirectFloor);
  return lines.join('\n');
}

/** µs of server CPU per update of the bare relay at its busy step (the floor), NaN without it. */
export function relayMicros(c: Collected): number {
  const r = c.relaySweep?.busy;
  return r ? (r.serverCpuSeconds * 1e6) / Math.max(1, r.sent) : Number.NaN;
}

/** Ours' per-update CPU (µs, all nodes) split by area, from the profile and /proc. */
export function profileMicros(c: Collected): Record<string, number> | null {
  const p = c.profile;
  if (!p?.split || p.updates === 0) return null;
  const total = (p.serverCpuSeconds * 1e6) / p.updates;
  const out: Record<string, number> = { total };
  for (const [area, share] of Object.entries(p.split.shares)) out[area] = share * total;
  return out;
}

export function profileSection(c: Collected): string {
  if (!c.profile) return '_No profile in this run._';
  const p = c.profile.summary;
  const micros = profileMicros(c);
  const floor = relayMicros(c);
  const shares: Record<string, number> = c.profile.split?.shares ?? {};
  const split = micros
    ? [
        `Per update, all nodes together (server CPU from /proc over the profiled steps: ${c.profile.serverCpuSeconds.toFixed(2)} s for ${c.profile.updates.toLocaleString('en-US')} updates, split by the profiles' self time over ${c.profile.split?.files ?? 0} thread profiles; native and Node-internal time charged to the nearest caller with an area; start-up, ${((c.profile.split?.startupShare ?? 0) * 100).toFixed(1)}% of busy samples, left out):`,
        '',
        '| area | µs per update | share |',
        '| --- | --- | --- |',
        ...Object.entries(micros)
          .filter(([k]) => k !== 'total')
          .map(([k, v]) => `| ${k} | ${v.toFixed(1)} | ${((shares[k] ?? 0) * 100).toFixed(1)}% |`),
        `| **total** | **${micros.total!.toFixed(1)}** | 100% |`,
        `| bare uWS relay (floor, its busy step) | ${Number.isFinite(floor) ? floor.toFixed(1) : '–'} | |`,
        '',
      ]
    : ['_The profile could not be split per update._', ''];
  return [
    `Scenario: ${c.profile.scenario}. Busiest thread busy ${(p.busyShare * 100).toFixed(0)}% of samples.`,
    '',
    ...split,
    '| area (busiest thread, self time) | share |',
    '| --- | --- |',
    ...p.areas.map((a) => `| ${mdEscape(a.name)} | ${(a.share * 100).toFixed(1)}% |`),
    '',
    '| function (self time) | share |',
    '| --- | --- |',
    ...p.functions.map((f) => `| \`${mdEscape(f.name)}\` | ${(f.share * 100).toFixed(1)}% |`),
  ].join('\n');
}

export function pendingSection(c: Collected): string {
  if (c.moveLines.length > 0) {
    return 'None: the live-rebalancing figures come from `bench/moves` (run as part of this benchmark).';
  }
  if (c.plan.quick) {
    return 'The live-rebalancing figures come from `bench/moves`, which only the full run runs.';
  }
  return REBALANCING_ITEMS.map(
    (i) => `- **${i.metric}** (goal ${i.goal}): ${NOT_MEASURED}. Plan: ${i.plan}`,
  ).join('\n');
}
