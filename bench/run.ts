/**
 * Benchmarks against the peers (DESIGN §7, issue #8). Run: `npx tsx bench/run.ts [--quick]
 * [--strict] [--out <dir>] [--servers ours,y-websocket,…]`. Every server runs in its own child
 * process pinned to core 0, this process (the load generator) to core 1; repetitions alternate
 * the server order and the median is reported. A full run writes `bench/results/<date>.md`,
 * the propagation chart (SVG) beside it and the latest table into bench/README.md; `--quick`
 * (a smoke run, ≤ 2 min) prints only unless `--out` is given. See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type EtcdServer, startEtcd } from '../ring/testing/etcd-server.ts';
import { createPortAllocator } from '../test/harness/ports.ts';
import { runCrash } from './items/crash.ts';
import { measureFsync } from './items/floors.ts';
import { forwardingLine, runForwarding } from './items/forwarding.ts';
import { type MemoryResult, runMemory } from './items/memory.ts';
import { runSweep, type SweepResult } from './items/propagation.ts';
import { runRedirect, runRedirectFloor } from './items/redirect.ts';
import { openEditorPool } from './lib/editors.ts';
import { type BenchPlan, benchPlan, keystrokesNeeded, PEERS } from './lib/plan.ts';
import { hasTaskset, pin, renice } from './lib/proc.ts';
import { summarizeProfile } from './lib/profile.ts';
import {
  buildFigures,
  type Collected,
  cpuPerUpdateTable,
  figureLine,
  figuresTable,
  memoryTable,
  pendingSection,
  profileSection,
  propagationChart,
  redirectTable,
  stepsTable,
  validSweeps,
} from './lib/report.ts';
import { type LaunchEnv, startPeer, startServer } from './lib/servers.ts';
import { generateTypingTrace, type TypingTrace } from './lib/trace.ts';
import { type ServerKind, wireFor } from './lib/wire.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_CPU = 0;
const CLIENT_CPU = 1;

interface Args {
  readonly quick: boolean;
  /** Nice value of the benchmark's processes (servers, etcd, load generator), null: leave. */
  readonly niceness: number | null;
  readonly strict: boolean;
  readonly out: string | null;
  readonly servers: readonly ServerKind[];
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? (argv[i + 1] ?? null) : null;
  };
  const quick = argv.includes('--quick');
  const servers = (value('--servers')?.split(',') ?? ['ours', ...PEERS]) as ServerKind[];
  const nice = value('--nice');
  return {
    quick,
    niceness: nice === 'off' ? null : Number(nice ?? -10),
    strict: argv.includes('--strict'),
    out: value('--out') ?? (quick ? null : path.join(ROOT, 'bench/results')),
    servers,
  };
}

const say = (line: string) => console.log(line);
const elapsed = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

/** bench/ring, pinned to the server core (it inherits this process's nice value). */
async function runRingBench(quick: boolean): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    'taskset',
    [
      '-c',
      String(SERVER_CPU),
      process.execPath,
      '--import',
      'tsx',
      'bench/ring/ring.bench.ts',
      ...(quick ? ['--quick'] : []),
    ],
    { cwd: ROOT, timeout: 120_000 },
  );
  return stdout
    .split('\n')
    .filter((l) => /^ring (lookup ns\/op:|join )/.test(l))
    .map((l) => l.trim());
}

/**
 * bench/moves (live rebalancing figures on a real cluster: join/drain write pause, the 160 KB
 * move, crash fail-over at TTL 2 s, live join movement): its goal and info lines. Not pinned:
 * it runs a cluster and its editors in one process tree, so it is given every core back (this
 * process is pinned to the generator core, and children inherit that affinity: the whole
 * cluster would otherwise share one core).
 */
async function runMovesBench(): Promise<string[]> {
  const everyCore = `0-${Math.max(0, os.cpus().length - 1)}`;
  const { stdout } = await promisify(execFile)(
    'taskset',
    ['-c', everyCore, process.execPath, '--import', 'tsx', 'bench/moves/moves.bench.ts'],
    { cwd: ROOT, timeout: 8 * 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /(PASS|FAIL|\(info\))$/.test(l) && !l.startsWith('moves bench:'));
}

/** Whether Hocuspocus 4 (engines: Node >= 22) starts and serves on this Node. */
async function probeHocuspocus4(env: LaunchEnv): Promise<string | null> {
  try {
    const server = await startPeer('hocuspocus-4', env);
    await server.stop();
    return null;
  } catch (error) {
    say(
      `  hocuspocus-4 does not run on Node ${process.version}: ${(error as Error).message.split('\n')[0]}`,
    );
    return 'n/a (needs Node 22)';
  }
}

async function profileOurs(
  env: LaunchEnv,
  plan: BenchPlan,
  traces: readonly [TypingTrace, TypingTrace],
  sustained: number,
): Promise<Collected['profile']> {
  const dir = path.join(env.root, 'profile');
  await mkdir(dir, { recursive: true });
  const rate = Math.max(plan.sweep.busyRate, Math.round(sustained * 1.5));
  const server = await startServer('ours', env, { cpuProfileDir: dir });
  try {
    const pool = await openEditorPool({
      host: server.host,
      port: server.port,
      wire: wireFor('ours'),
      docIds: Array.from({ length: plan.sweep.docs }, (_, i) => `prof-${i}`),
      traces,
      serverPid: server.pid,
    });
    await pool.step(plan.sweep.busyRate, plan.sweep.busySeconds, plan.sweep.drainMs);
    await pool.step(rate, plan.sweep.stepSeconds * 2, 10_000);
    pool.close();
  } finally {
    await server.stop();
  }
  const summary = await summarizeProfile(dir);
  return summary
    ? {
        scenario:
          `ours, ${plan.sweep.docs} docs x 2 editors: ${plan.sweep.busySeconds} s at ${plan.sweep.busyRate} updates/s ` +
          `then ${plan.sweep.stepSeconds * 2} s at ${rate} updates/s (1.5x its sustained rate), V8 --cpu-prof of the node process`,
        summary,
      }
    : null;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const plan = benchPlan(args.quick);
  const t0 = performance.now();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const pinned = hasTaskset() && os.cpus().length >= 2;
  if (!hasTaskset()) throw new Error('taskset not found: install util-linux');
  if (pinned) pin(process.pid, CLIENT_CPU);
  const niceness =
    args.niceness !== null && renice(process.pid, args.niceness) ? args.niceness : null;
  say(
    `peer bench: ${args.quick ? 'quick' : 'full'}, node ${process.version}, ${os.cpus().length} cores ` +
      `(${os.cpus()[0]?.model ?? '?'}), servers pinned to core ${SERVER_CPU}, load generator to core ` +
      `${CLIENT_CPU}, ${niceness === null ? 'default priority' : `nice ${niceness}`}, ${plan.reps} rep(s), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );

  const root = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-bench-'));
  let etcd: EtcdServer | null = null;
  const c: Collected = {
    plan,
    sweeps: new Map(),
    memory: new Map(),
    redirect: [],
    crash: [],
    relaySweep: null,
    relayMemory: null,
    redirectFloor: null,
    fsync: null,
    ringLines: [],
    moveLines: [],
    errors: [],
    unavailable: new Map(),
    profile: null,
    encodedDocBytes: Number.NaN,
    editorTrace: null,
    docTrace: null,
  };
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (error) {
      const message = `${what}: ${(error as Error).message}`;
      c.errors.push(message);
      say(`  ERROR ${message.split('\n').slice(0, 30).join('\n  ')}`);
      return null;
    }
  };
  try {
    etcd = await startEtcd();
    const etcdPid = etcd.pid();
    if (pinned && etcdPid) pin(etcdPid, SERVER_CPU);
    if (niceness !== null && etcdPid) renice(etcdPid, niceness);
    let prefixes = 0;
    const env: LaunchEnv = {
      etcd,
      nextPort: createPortAllocator(),
      root,
      serverCpu: SERVER_CPU,
      nextPrefix: () => `/bench${++prefixes}/`,
      niceness,
    };

    // Retries of starved steps stop after 9 min so a busy machine does not stretch the run.
    const sweepPlan = { ...plan.sweep, retryUntil: t0 + (plan.quick ? 60 : 9 * 60) * 1000 };
    const keystrokes = keystrokesNeeded(plan.sweep);
    const traces = [
      generateTypingTrace({ keystrokes, seed: 1, clientId: 1001 }),
      generateTypingTrace({ keystrokes, seed: 2, clientId: 2002 }),
    ] as const;
    const docTrace = generateTypingTrace({
      keystrokes: plan.memory.docKeystrokes,
      seed: 3,
      clientId: 3003,
    });
    c.editorTrace = traces[0].stats;
    c.docTrace = docTrace.stats;
    c.encodedDocBytes = docTrace.finalState.length;
    say(
      `  traces: editors ${keystrokes} keystrokes each (${traces[0].stats.inserts} inserts, ` +
        `${traces[0].stats.deletes} deletes, ${traces[0].stats.jumps} cursor jumps); loaded doc ` +
        `${plan.memory.docKeystrokes} keystrokes -> ${docTrace.stats.finalChars} chars, ` +
        `${docTrace.finalState.length} bytes encoded`,
    );

    c.fsync = measureFsync(root, plan.fsyncSamples);
    say(
      `  fsync floor: append+fsync p50 ${c.fsync.p50.toFixed(2)} ms p95 ${c.fsync.p95.toFixed(2)} ms`,
    );
    c.ringLines = (await attempt('bench/ring', () => runRingBench(args.quick))) ?? [];
    if (!plan.quick && args.servers.includes('ours')) {
      say(`bench/moves (live rebalancing on a real cluster) [${elapsed(t0)}]`);
      c.moveLines = (await attempt('bench/moves', () => runMovesBench())) ?? [];
      for (const line of c.moveLines) say(`  ${line}`);
    }

    let servers = [...args.servers];
    if (servers.includes('hocuspocus-4')) {
      const na = await probeHocuspocus4(env);
      if (na) {
        c.unavailable.set('hocuspocus-4', na);
        servers = servers.filter((s) => s !== 'hocuspocus-4');
      }
    }
    for (const kind of ['ours', ...PEERS] as ServerKind[]) {
      if (!servers.includes(kind) && !c.unavailable.has(kind)) c.unavailable.set(kind, 'not run');
    }

    for (let rep = 1; rep <= plan.reps; rep++) {
      const order = rep % 2 === 1 ? servers : [...servers].reverse();
      say(
        `rep ${rep}/${plan.reps}: propagation + throughput (${order.join(', ')}) [${elapsed(t0)}]`,
      );
      for (const kind of order) {
        const run = await attempt(`sweep ${kind} rep ${rep}`, () =>
          runSweep(kind, env, sweepPlan, traces, `r${rep}`, say),
        );
        if (run) c.sweeps.set(kind, [...(c.sweeps.get(kind) ?? []), run]);
      }
      say(`rep ${rep}/${plan.reps}: memory [${elapsed(t0)}]`);
      for (const kind of order) {
        const memoryPlan = {
          ...plan.memory,
          docState: docTrace.finalState,
          measureUnloaded: plan.memory.unloaded && rep === plan.reps,
        };
        const m = await attempt(`memory ${kind} rep ${rep}`, () =>
          runMemory(kind, env, memoryPlan, `m${rep}`),
        );
        if (m) {
          c.memory.set(kind, [...(c.memory.get(kind) ?? []), m]);
          say(memoryLine(m));
        }
      }
      if (servers.includes('ours')) {
        say(`rep ${rep}/${plan.reps}: redirect [${elapsed(t0)}]`);
        const r = await attempt(`redirect rep ${rep}`, () =>
          runRedirect(env, plan.redirect, `x${rep}`),
        );
        if (r) {
          c.redirect.push(r);
          say(
            `  redirect: direct p50 ${r.direct.p50.toFixed(2)} ms, redirected p50 ${r.redirected.p50.toFixed(2)} ms, ratio ${(r.redirected.p50 / r.direct.p50).toFixed(2)}x`,
          );
        }
        say(`rep ${rep}/${plan.reps}: forwarded client [${elapsed(t0)}]`);
        const f = await attempt(`forwarding rep ${rep}`, () =>
          runForwarding(env, plan.redirect, `f${rep}`),
        );
        if (f) say(forwardingLine(f));
        say(`rep ${rep}/${plan.reps}: crash fail-over [${elapsed(t0)}]`);
        const k = await attempt(`crash rep ${rep}`, () => runCrash(env, plan.crash, `k${rep}`));
        if (k) {
          c.crash.push(k);
          say(
            `  crash: writable again p50 ${(k.writable.p50 / 1000).toFixed(2)} s, max ${(k.writable.max / 1000).toFixed(2)} s after the kill (TTL ${k.leaseTtl} s), ${k.stuck} stuck`,
          );
        }
      }
    }

    // Sweeps run while other processes held the machine measure the machine: run more (one
    // per server at a time) while the time budget allows, so the medians rest on clean runs.
    const budgetS = plan.quick ? 0 : 11 * 60;
    const cleanCount = (k: ServerKind) =>
      (c.sweeps.get(k) ?? []).filter((s) => !s.machineBusy).length;
    for (let extra = 1; extra <= 2; extra++) {
      for (const kind of servers) {
        if (cleanCount(kind) >= Math.min(plan.reps, 3)) continue;
        if ((performance.now() - t0) / 1000 > budgetS) break;
        say(`extra sweep of ${kind}: only ${cleanCount(kind)} clean so far [${elapsed(t0)}]`);
        const run = await attempt(`sweep ${kind} extra ${extra}`, () =>
          runSweep(kind, env, sweepPlan, traces, `e${extra}`, say),
        );
        if (run) c.sweeps.set(kind, [...(c.sweeps.get(kind) ?? []), run]);
      }
    }

    say(`floors: bare uWS relay, redirect, memory [${elapsed(t0)}]`);
    c.relaySweep = await attempt('sweep relay', () =>
      runSweep('relay', env, sweepPlan, traces, 'floor', say),
    );
    c.relayMemory = await attempt('memory relay', () =>
      runMemory(
        'relay',
        env,
        { ...plan.memory, docState: docTrace.finalState, measureUnloaded: false },
        'mf',
      ),
    );
    if (c.relayMemory) say(memoryLine(c.relayMemory));
    c.redirectFloor = await attempt('redirect floor', () => runRedirectFloor(env, plan.redirect));

    if (plan.profile && servers.includes('ours')) {
      say(`profile of ours [${elapsed(t0)}]`);
      const sustained = median0(
        (validSweeps(c, 'ours') ?? []).map((s: SweepResult) => s.sustained),
      );
      c.profile = await attempt('profile', () => profileOurs(env, plan, traces, sustained));
    }
  } finally {
    await etcd?.stop();
    await rm(root, { recursive: true, force: true });
  }

  const figures = buildFigures(c);
  say('');
  for (const f of figures) say(figureLine(f));
  const loadAfter = os.loadavg();
  const duration = elapsed(t0);
  say(
    `peer bench: ${figures.filter((f) => f.verdict === 'PASS').length}/${
      figures.filter((f) => f.verdict === 'PASS' || f.verdict === 'FAIL').length
    } goals PASS, ${c.errors.length} errors in ${duration}`,
  );

  if (args.out) {
    const stamp = startedAt.toISOString().slice(0, 10);
    await mkdir(args.out, { recursive: true });
    const chartName = `${stamp}-propagation.svg`;
    await writeFile(
      path.join(args.out, chartName),
      propagationChart(c, `Edit propagation p99 against load (${stamp}, median of ${plan.reps})`),
    );
    const md = resultsMarkdown(c, figures, {
      notes: await readNotes(),
      niceness,
      stamp,
      chartName,
      duration,
      loadBefore,
      loadAfter,
      startedAt,
    });
    await writeFile(path.join(args.out, `${stamp}.md`), md);
    await writeFile(
      path.join(args.out, `${stamp}.json`),
      `${JSON.stringify(c, (_key, value) => (value instanceof Map ? Object.fromEntries(value) : value), 1)}\n`,
    );
    say(`wrote ${path.relative(ROOT, path.join(args.out, `${stamp}.md`))} and ${chartName}`);
    if (!args.quick)
      await updateReadme(figuresTable(figures, c), stamp, chartName, args.out, loadBefore);
  }
  const failed = figures.some((f) => f.verdict === 'FAIL' || f.verdict === 'error');
  return args.strict && failed ? 1 : 0;
}

function median0(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

function memoryLine(m: MemoryResult): string {
  const kb = (v: number) => `${(v / 1024).toFixed(1)} KB`;
  return (
    `  memory ${m.kind}: per idle connection ${kb(m.perConnectionRss)} resident (${kb(m.perConnectionHeap)} heap)` +
    (Number.isFinite(m.perDocRss)
      ? `, per idle open doc ${kb(m.perDocRss)} resident (${kb(m.perDocHeap)} heap)`
      : '') +
    (m.perUnloadedDocHeap !== null ? `, per unloaded doc ${kb(m.perUnloadedDocHeap)} heap` : '')
  );
}

interface RunInfo {
  /** The analysis kept in bench/README.md (why ours falls short, what would close it). */
  readonly notes: string;
  readonly niceness: number | null;
  readonly stamp: string;
  readonly chartName: string;
  readonly duration: string;
  readonly loadBefore: number[];
  readonly loadAfter: number[];
  readonly startedAt: Date;
}

function resultsMarkdown(
  c: Collected,
  figures: ReturnType<typeof buildFigures>,
  info: RunInfo,
): string {
  const p = c.plan;
  const t = c.editorTrace;
  const d = c.docTrace;
  return `# Benchmarks against the peers — ${info.stamp}

${p.quick ? 'Quick (smoke) run' : 'Full run'} of \`bench/run.ts\`, started ${info.startedAt.toISOString()}, took ${info.duration}.
Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Linux ${os.release()}.
Every server ran in its own child process pinned to core 0 (\`taskset -c 0\`); the load generator
(this process) was pinned to core 1${info.niceness === null ? '' : `; all of them (and etcd) ran at nice ${info.niceness} so other processes on the machine take less CPU from them`}. ${p.reps} repetition(s), server order alternating; figures are
medians over the repetitions; a sweep whose busy step ran while other processes used ≥ 1.2 cores (or the
server waited ≥ 40% for a CPU) is discarded from the medians when clean ones exist, and extra sweeps are run
while the time budget allows (marked in the step table). ${machineNote(info.loadBefore, info.loadAfter)}

Peers: \`@y/websocket-server@0.1.1\` (its own \`ws@6\`, no persistence), \`@hocuspocus/server@3.4.4\` and
\`@hocuspocus/server@4.7.0\` (defaults, no extensions, so no persistence), each in its own process. Ours: a
1-node cluster (\`ringdoc node\`, lease TTL 5 s, real etcd, data dir on ${os.tmpdir()}) that acknowledges
an update only after fsync; the peers acknowledge nothing durable. Editors are raw-frame clients (one
TCP socket each) replaying a generated typing trace (${t ? `${t.inserts} single-character inserts, ${t.deletes} deletions (${t.deletes ? Math.round((100 * t.deletes) / (t.inserts + t.deletes)) : 0}%), ${t.jumps} cursor jumps per editor` : '–'}).

## Figures (DESIGN §7)

${figuresTable(figures, c)}

A \`client-bound\` flag means the load generator reached 90% of its core during that measurement, so it
measured itself rather than the server; \`contended\` means the server's main thread waited for a CPU held by
other processes for ≥ 10% of the time (\`/proc/<pid>/schedstat\`), so the figure is partly the machine's. Loaded docs hold a ${d ? `${d.inserts + d.deletes}-keystroke` : ''} trace (${d?.finalChars ?? '–'} characters, ${c.encodedDocBytes} bytes encoded).
${c.errors.length ? `\nErrors:\n\n${c.errors.map((e) => `- ${e.split('\n')[0]}`).join('\n')}\n` : ''}
![edit propagation p99 against offered load](${info.chartName})

## Propagation and throughput: every step

Offered load = updates/s over all editors (each update reaches the other editor of its document). A step
passes when p99 < 100 ms, every update arrived, no socket closed and the generator achieved the rate.

${stepsTable(c)}

Server CPU per update at the busy load (all work of the server process divided by the updates it
received; each update is also sent to the other editor, and by y-websocket and Hocuspocus back to its sender):

${cpuPerUpdateTable(c)}

## Memory

After full GCs in the server process (\`--expose-gc\`, SIGUSR2 probe), resident memory = the anonymous
resident set (\`RssAnon\`: the whole RSS also moves when the kernel evicts cold pages of the node binary):
per idle connection = Δresident / sockets (${p.memory.connections} sockets over ${p.memory.connectionDocs} docs, each synced); per idle open doc =
Δresident / docs − per connection (${p.memory.docs} docs, one idle socket each, each loaded with the same content).

${memoryTable(c)}

## Redirect

${redirectTable(c)}

## Durable acks

Ours acknowledges an update once it is fsynced (group commit). Floor: one append + fsync on the same
file system: p50 ${c.fsync ? c.fsync.p50.toFixed(2) : '–'} ms, p95 ${c.fsync ? c.fsync.p95.toFixed(2) : '–'} ms.

## Profile of ours

${profileSection(c)}

## Pending

${pendingSection(c)}

${info.notes}

The ring-level movement figure (keys moved on a join, pure ring) is measured by \`bench/ring\` and shown above.
`;
}

const NOTES_HEADING = '## Where ours falls short, why, and what would close it';

/** The hand-maintained analysis section of bench/README.md, copied into every results file. */
async function readNotes(): Promise<string> {
  const text = await readFile(path.join(ROOT, 'bench/README.md'), 'utf8');
  const a = text.indexOf(NOTES_HEADING);
  if (a < 0) return '';
  const b = text.indexOf('\n## ', a + NOTES_HEADING.length);
  return `${text.slice(a, b < 0 ? undefined : b).trim()}\n\n_(Kept in bench/README.md; copied here when this file was written.)_\n`;
}

const START = '<!-- latest-results:start -->';
const END = '<!-- latest-results:end -->';

/** Whether the machine was quiet (1-minute load average < 1 at the start), for the report. */
function quietMachine(loadBefore: readonly number[]): boolean {
  return (loadBefore[0] ?? Number.POSITIVE_INFINITY) < 1;
}

function machineNote(loadBefore: readonly number[], loadAfter: readonly number[]): string {
  const loads = `load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} at the start, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} at the end`;
  return quietMachine(loadBefore)
    ? `The machine was quiet when the run started (${loads}); the "other CPU" column of the step table shows what else ran during each step.`
    : `**The machine is shared**: other engineers' builds and test runs may have been running on both cores (${loads}), so absolute numbers are noisy; compare ratios within this run.`;
}

async function updateReadme(
  table: string,
  stamp: string,
  chart: string,
  outDir: string,
  loadBefore: readonly number[],
) {
  const readme = path.join(ROOT, 'bench/README.md');
  const text = await readFile(readme, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return;
  const rel = path.relative(path.dirname(readme), outDir);
  const block = `${START}\nLatest full run: [${stamp}](${rel}/${stamp}.md) (${quietMachine(loadBefore) ? 'quiet machine' : 'shared machine: noisy'}; see the file).\n\n${table}\n\n![edit propagation p99 against load](${rel}/${chart})\n${END}`;
  await writeFile(readme, text.slice(0, a) + block + text.slice(b + END.length));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Exit normally so the exit hooks kill every server process and etcd.
  process.once(signal, () => process.exit(130));
}
process.exitCode = await main(process.argv.slice(2));
