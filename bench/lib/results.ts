/**
 * The results of one run as JSON (`bench/results/<date>-<name>.json`) and the Markdown rendered
 * from that JSON alone (`<date>-<name>.md`). Every note and verdict is generated from the
 * numbers measured in the run: no prose is carried over from a file.
 */
import { stepFailure } from '../items/propagation.ts';
import { LABELS } from './plan.ts';
import {
  buildFigures,
  COLUMNS,
  type Collected,
  cpuPerUpdateTable,
  type Figure,
  figuresTable,
  marginalRows,
  marginalTable,
  memoryTable,
  pendingSection,
  profileMicros,
  profileSection,
  redirectTable,
  relayMicros,
  stepsTable,
  sustainedGoalRate,
  validSweeps,
} from './report.ts';
import { median } from './stats.ts';
import type { ServerKind } from './wire.ts';

/** Where and how the run ran (recorded, so a contended machine is visible in the results). */
export interface RunEnvironment {
  readonly name: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly kernel: string;
  /** 1/5/15-minute load averages at the start and the end of the run. */
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly niceness: number | null;
  readonly serverCore: number;
  readonly generatorCore: number;
  readonly generators: number;
  readonly tmpdir: string;
  /** The commit measured (`git describe --always --dirty`), when the run could read it. */
  readonly commit?: string;
  /**
   * Environment every server process (ours and the peers) was started with: the one ours'
   * image and launcher set (`server/node/process-env.ts`). Absent in older results.
   */
  readonly serverEnv?: Readonly<Record<string, string>>;
}

export interface Results {
  readonly version: 1;
  readonly environment: RunEnvironment;
  /** Everything measured (Maps written as objects). */
  readonly collected: unknown;
  /** The figures and notes as computed from `collected` when the file was written. */
  readonly figures: readonly Figure[];
  readonly notes: readonly string[];
}

const MAP_FIELDS = ['sweeps', 'memory', 'unavailable'] as const;

/** The results document of a run. */
export function toResults(c: Collected, environment: RunEnvironment): Results {
  const figures = buildFigures(c);
  const collected = Object.fromEntries(
    Object.entries(c).map(([k, v]) => [k, v instanceof Map ? Object.fromEntries(v) : v]),
  );
  return {
    version: 1,
    environment,
    collected,
    figures,
    notes: generatedNotes(figures, c, environment),
  };
}

export function resultsJson(results: Results): string {
  return `${JSON.stringify(results, null, 1)}\n`;
}

/** The measurements of a results document, Maps restored; NaN was written as null. */
export function reviveCollected(results: Results): Collected {
  const raw = { ...(results.collected as Record<string, unknown>) };
  for (const field of MAP_FIELDS) {
    raw[field] = new Map(Object.entries((raw[field] ?? {}) as Record<string, unknown>));
  }
  return raw as unknown as Collected;
}

/** A machine counts as contended when its 1-minute load average reached its core count. */
export function machineContended(env: RunEnvironment): boolean {
  return Math.max(env.loadBefore[0] ?? 0, env.loadAfter[0] ?? 0) >= env.cpus;
}

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const pct = (v: number) => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : '–');
const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);

function medianOf(values: readonly number[]): number {
  const ok = values.filter((v) => Number.isFinite(v));
  return ok.length ? median(ok) : Number.NaN;
}

function busyMicros(c: Collected, kind: ServerKind): number {
  return medianOf(
    (validSweeps(c, kind) ?? []).map(
      (r) => (num(r.busy.serverCpuSeconds) * 1e6) / Math.max(1, num(r.busy.sent)),
    ),
  );
}

/**
 * Average against marginal CPU per update, per server of the run (null when no sweep ran): how
 * much of the average at the busy load is idle CPU, and what one more update costs.
 */
export function marginalNote(c: Collected): string | null {
  const rows = marginalRows(c).filter((r) => Number.isFinite(r.averageMicros));
  if (rows.length === 0) return null;
  const text = rows.map((r) => {
    const idle = Number.isFinite(r.idleCores)
      ? `idle ${f1(r.idleCores * 100)}% of a core (${f1(r.idleMicrosAtBusy)} µs of its ${f1(r.averageMicros)} µs average at ${n0(r.busyRate)}/s)`
      : `no idle step (average ${f1(r.averageMicros)} µs at ${n0(r.busyRate)}/s)`;
    const slope =
      Number.isFinite(r.marginalMicros) && r.between
        ? `${f1(r.marginalMicros)} µs per extra update between ${r.between.map((v) => (v === 0 ? 'idle' : `${n0(v)}/s`)).join(' and ')}${r.upperFailed ? ' (upper step failed)' : ''}`
        : 'no marginal figure (fewer than two usable steps)';
    return `${LABELS[r.kind]}: ${idle}, ${slope}`;
  });
  return `CPU per update, average against marginal: ${text.join('; ')}.`;
}

/**
 * One note per figure, from the numbers of this run: for a FAIL its measured cause (failing
 * step, CPU per update and its split against the relay floor, close codes, lost tokens), for a
 * PASS the value; plus the run's caveats (client-bound, contended machine, servers not run).
 */
export function generatedNotes(
  figures: readonly Figure[],
  c: Collected,
  env: RunEnvironment,
): string[] {
  const notes: string[] = [];
  const loads = `load average ${env.loadBefore.map((l) => l.toFixed(2)).join(' ')} at the start, ${env.loadAfter.map((l) => l.toFixed(2)).join(' ')} at the end, ${env.cpus} CPUs`;
  notes.push(
    machineContended(env)
      ? `Machine contended (${loads}): other processes competed for both cores, so absolute figures are noisy; ratios within this run compare servers under the same conditions.`
      : `Machine not saturated (${loads}).`,
  );
  const micros = (k: ServerKind) => busyMicros(c, k);
  const perUpdate = COLUMNS.filter((k) => Number.isFinite(micros(k)))
    .map((k) => `${k} ${f1(micros(k))} µs`)
    .join(', ');
  const split = profileMicros(c);
  const floor = relayMicros(c);
  const splitText = split
    ? `profile of ours: ${f1(split.total!)} µs of CPU per update over all nodes (${Object.entries(
        split,
      )
        .filter(([k, v]) => k !== 'total' && v >= 0.05 * split.total!)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${f1(v)}`)
        .join(', ')}; each area under 5% left out) against the bare uWS relay's ${f1(floor)} µs`
    : 'no per-update profile split in this run';
  const marginal = marginalNote(c);
  if (marginal) notes.push(marginal);
  for (const f of figures) {
    const ours = f.cells.ours ?? '–';
    if (f.verdict === 'PASS' || f.verdict === 'info') {
      notes.push(`${f.verdict}: ${f.metric}: ours ${ours}.`);
      continue;
    }
    if (f.verdict === 'error') {
      notes.push(`NOT MEASURED: ${f.metric}: ${ours}.`);
      continue;
    }
    let cause = '';
    if (f.metric.startsWith('edit propagation')) {
      const busy = validSweeps(c, 'ours')?.[0]?.busy;
      cause =
        `server CPU per update at the busy load: ${perUpdate}; ours (1 node) ${f.cells['ours-1'] ?? '–'} vs ours (3 nodes) ${ours}` +
        (busy
          ? `; during ours' busy step its servers waited ${pct(busy.serverWait)} for a CPU and other processes used ${f1(busy.otherCpu)} cores`
          : '');
    } else if (f.metric.startsWith('updates/s sustained')) {
      const runs = validSweeps(c, 'ours') ?? [];
      const failing = runs
        .flatMap((r) => r.steps)
        .filter((s) => stepFailure(s) !== null)
        .sort((a, b) => a.rate - b.rate)[0];
      const ceiling = split ? 1e6 / split.total! : Number.NaN;
      const goal = sustainedGoalRate(c);
      const budget = 1e6 / goal;
      // the goal as a CPU budget per update, against the profile's single largest must-do area
      const yjs = split?.Yjs ?? Number.NaN;
      const budgetText = Number.isFinite(goal)
        ? `; the goal asks for ≥ ${n0(goal)} updates/s on one core: ${f1(budget)} µs of CPU per update for all three nodes together` +
          (yjs > budget
            ? `, less than applying the update with Yjs costs in the profile alone (${f1(yjs)} µs)`
            : '')
        : '';
      cause =
        `${failing ? `ours' lowest failing step ${n0(failing.rate)}/s failed on: ${stepFailure(failing)}${failing.clientBound ? ' (client-bound)' : ''} (its server processes waited ${pct(failing.serverWait)} of the step for a CPU, other processes used ${f1(failing.otherCpu)} cores)` : 'no failing step recorded'}; ` +
        `${splitText}; at that cost one core carries at most ≈ ${n0(ceiling)} updates/s${budgetText}`;
    } else if (f.metric.startsWith('memory per idle connection')) {
      cause = `ours ${ours} per socket against ${COLUMNS.filter(
        (k) => k !== 'ours' && f.cells[k] && f.cells[k] !== '–',
      )
        .map((k) => `${k} ${f.cells[k]}`)
        .join(', ')}; floor ${f.floor}`;
    } else if (f.metric.includes('after the idle window')) {
      cause = `${f.ratios}: resident against heap; the difference is memory the process holds beyond its live heap and buffers`;
    } else if (f.metric.startsWith('memory per idle loaded doc')) {
      cause = `${f.ratios.split(';')[0]}: resident against heap; the difference is memory the process holds beyond its live heap and buffers`;
    } else if (f.metric.startsWith('durable ack')) {
      cause = `ours ack p95 ${ours} against the append + fsync floor ${f.floor}; ${splitText}`;
    } else if (f.metric.startsWith('tokens lost')) {
      const steps = (c.sweeps.get('ours') ?? []).flatMap((r) => [
        ...r.steps,
        ...(r.overload ? [r.overload.step] : []),
      ]);
      cause = `ours lost tokens at ${steps
        .filter((s) => s.tokens.lost + s.tokens.duplicated > 0)
        .map(
          (s) =>
            `${n0(s.rate)}/s (${s.tokens.lost} lost, ${s.tokens.lostMidSequence} mid-sequence, ${s.tokens.duplicated} dup, closes ${JSON.stringify(s.closeCodes)})`,
        )
        .join('; ')}`;
    } else if (f.metric.startsWith('overload')) {
      cause = `ours ${ours}`;
    } else {
      cause = `ours ${ours}${f.ratios ? `; ${f.ratios}` : ''}`;
    }
    notes.push(`FAIL: ${f.metric}: ${cause}.`);
  }
  const bound = [...new Set(figures.flatMap((f) => f.clientBound))];
  if (bound.length) {
    notes.push(
      `Client-bound (a generator process, or all of them, used ≥ 90% of their core: the figure measured the generator): ${bound.map((k) => LABELS[k]).join(', ')}.`,
    );
  }
  for (const [kind, why] of c.unavailable) notes.push(`${LABELS[kind]}: ${why}.`);
  if (c.errors.length)
    notes.push(`${c.errors.length} error(s): ${c.errors.map((e) => e.split('\n')[0]).join('; ')}.`);
  return notes;
}

/** The Markdown results file, rendered from the results document alone. */
/** The header's sentence on the servers' environment (none for results without it). */
function serverEnvLine(env: RunEnvironment): string {
  const entries = Object.entries(env.serverEnv ?? {});
  if (entries.length === 0) return '';
  const list = entries.map(([k, v]) => `\`${k}=${v}\``).join(' ');
  return ` Every server process, ours and the peers alike, runs with ${list}: the environment ours' image and launcher set (\`server/node/process-env.ts\`), so the figures compare servers, not allocator settings.`;
}

export function renderMarkdown(results: Results): string {
  const c = reviveCollected(results);
  const env = results.environment;
  const figures = buildFigures(c);
  const notes = generatedNotes(figures, c, env);
  const p = c.plan;
  const t = c.editorTrace;
  return `# Benchmarks against the peers — ${env.startedAt.slice(0, 10)} (${env.name})

Rendered from \`${env.startedAt.slice(0, 10)}-${env.name}.json\` (the measurements; this file is generated from it).
${p.quick ? 'Quick (smoke) run' : 'Full run'} of \`bench/run.ts\`${env.commit ? ` at commit \`${env.commit}\`` : ''}, started ${env.startedAt}, took ${Math.round(env.durationSeconds)} s.
Node ${env.node}, ${env.cpus} CPUs (${env.cpuModel}), Linux ${env.kernel}; load average ${env.loadBefore.map((l) => l.toFixed(2)).join(' ')} at the start, ${env.loadAfter.map((l) => l.toFixed(2)).join(' ')} at the end${machineContended(env) ? ' — **the machine was contended**' : ''}.
Every server process (ours: all 3 nodes) pinned to core ${env.serverCore}; the load generator is ${env.generators} child processes pinned to core ${env.generatorCore}, each reporting its own CPU${env.niceness === null ? '' : `; everything at nice ${env.niceness}`}.${serverEnvLine(env)} ${p.reps} repetition(s); figures are medians.

Ours: 3 nodes (\`ringdoc node --replicas 2 --durability replica\`, real etcd, lease TTL 5 s), every editor connecting to node n1 and following REDIRECTs to the owner; ours (1 node) beside it. Peers as shipped: \`@y/websocket-server@0.1.1\`, \`@hocuspocus/server@3.4.4\`, \`@hocuspocus/server@4.7.0\`; durable: the same with \`y-leveldb@0.2.0\` (bound as its YPERSISTENCE code binds it) and \`@hocuspocus/extension-sqlite\` 3.4.4 / 4.7.0. Editors replay a generated typing trace (${t ? `${t.inserts} inserts, ${t.deletes} deletions, ${t.jumps} cursor jumps per editor` : '–'}); every keystroke is a token with its own send, delivery and ACK time.${p.sweep.warmupSeconds === undefined ? '' : ` Each server first takes ${p.sweep.warmupSeconds} s of edits at the busy rate that are not measured (its hot code compiled, its heap sized), then the idle and busy steps.`} ACK: ours' durable ACK; the peers send none, so the echo of the sender's own update stands in (applied by the server, not durable); the relay has neither.

## Figures (DESIGN §7)

${figuresTable(figures, c)}

## Notes (generated from this run's numbers)

${notes.map((n) => `- ${n}`).join('\n')}

## Every step

A step passes when no socket closed, the generators offered the rate, no token was lost or duplicated, propagation p99 < 100 ms and the ACK (or its stand-in) p95 < 20 ms.

${stepsTable(c)}

Server CPU per update at the busy load:

${cpuPerUpdateTable(c)}

Average against marginal CPU per update: the average (server CPU during the busy step / its updates) includes what the servers spend while nobody types; the marginal figure is the slope of server CPU between two steps (the two lowest passing rates, else the only passing one and the lowest failing one above it, else idle and the lowest step), the idle CPU a step at 0 updates/s with every editor connected:

${marginalTable(c)}

## Memory

${memoryTable(c)}

## Redirect

${redirectTable(c)}

## Profile of ours

${profileSection(c)}

## Pending

${pendingSection(c)}
`;
}
