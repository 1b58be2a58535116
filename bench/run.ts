/**
 * Benchmarks against the peers (DESIGN §7, issues 8 and 14). Run: `npx tsx bench/run.ts
 * [--quick] [--strict] [--out <dir>] [--servers ours,ours-1,y-websocket,…] [--generators N]
 * [--reps N]`.
 * Every server process runs pinned to core 0 (ours: 3 nodes, R = 2, durability replica), the
 * load generator is N child processes pinned to core 1; repetitions alternate the server order
 * and the median is reported. Writes `bench/results/<date>-<quick|full>.json` (the
 * measurements), the Markdown rendered from it and the propagation chart; a full run also puts
 * the figures table into bench/README.md. See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type EtcdServer, startEtcd } from '../ring/testing/etcd-server.ts';
import { NODE_PROCESS_ENV } from '../server/node/process-env.ts';
import { createPortAllocator } from '../test/harness/ports.ts';
import { runCrash } from './items/crash.ts';
import { measureFsync } from './items/floors.ts';
import { forwardingLine, runForwarding } from './items/forwarding.ts';
import { type MemoryResult, runMemory } from './items/memory.ts';
import { runSweep, type SweepResult } from './items/propagation.ts';
import { runRedirect, runRedirectFloor } from './items/redirect.ts';
import type { TraceSpec } from './lib/generator.ts';
import { openLoad } from './lib/load.ts';
import {
  type BenchPlan,
  benchPlan,
  keystrokesNeeded,
  OURS,
  PEERS,
  SHIPPED_PEERS,
} from './lib/plan.ts';
import { hasTaskset, pin, renice } from './lib/proc.ts';
import {
  type ProfileWindow,
  profileClockUs,
  profileSplit,
  summarizeProfile,
} from './lib/profile.ts';
import {
  buildFigures,
  type Collected,
  figureLine,
  figuresTable,
  propagationChart,
  validSweeps,
} from './lib/report.ts';
import { machineContended, renderMarkdown, resultsJson, toResults } from './lib/results.ts';
import { type LaunchEnv, type PeerKind, startGroup, startPeer } from './lib/servers.ts';
import { generateTypingTrace } from './lib/trace.ts';
import type { ServerKind } from './lib/wire.ts';

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
  /** Load-generator child processes (default: the plan's). */
  readonly generators: number | null;
  /** Repetitions of the sweeps (default: the plan's, 3 full / 1 quick). */
  readonly reps: number | null;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? (argv[i + 1] ?? null) : null;
  };
  const quick = argv.includes('--quick');
  const servers = (value('--servers')?.split(',') ?? [...OURS, ...PEERS]) as ServerKind[];
  const nice = value('--nice');
  const generators = value('--generators');
  if (generators !== null && !(Number(generators) >= 1)) {
    throw new Error(`--generators must be a number >= 1, got ${generators}`);
  }
  const reps = value('--reps');
  if (reps !== null && !(Number.isInteger(Number(reps)) && Number(reps) >= 1)) {
    throw new Error(`--reps must be an integer >= 1, got ${reps}`);
  }
  return {
    quick,
    niceness: nice === 'off' ? null : Number(nice ?? -10),
    strict: argv.includes('--strict'),
    out: value('--out') ?? path.join(ROOT, 'bench/results'),
    servers,
    generators: generators === null ? null : Number(generators),
    reps: reps === null ? null : Number(reps),
  };
}

const say = (line: string) => console.log(line);
const elapsed = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

/** The commit measured (`git describe --always --dirty`); undefined outside a git checkout. */
async function measuredCommit(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['describe', '--always', '--dirty']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

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

/**
 * Whether a peer starts and listens here; when it does not (a native part that did not
 * install, an engine it refuses), the text its column shows, made from the error it gave.
 */
async function probePeer(kind: PeerKind, env: LaunchEnv): Promise<string | null> {
  try {
    const server = await startPeer(kind, env);
    await server.stop();
    return null;
  } catch (error) {
    const text = (error as Error).message;
    const reason =
      /Could not locate the bindings file|\.node['"]? ?\)?|was compiled against|invalid ELF|cannot open shared object/i.exec(
        text,
      )
        ? `native part not installed: ${firstErrorLine(text)}`
        : firstErrorLine(text);
    say(`  ${kind} could not run: ${reason}`);
    return `n/a: ${reason}`;
  }
}

/** The first line of a peer's output that names an error, else the first line. */
function firstErrorLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  return (lines.find((l) => /error/i.test(l) && !/^at /.test(l)) ?? lines[0] ?? '').slice(0, 200);
}

/**
 * V8 `--cpu-prof` of every node of ours (3 nodes, R = 2) under the busy load and then 1.5 s of
 * steps at its sustained rate; per-update CPU from /proc over the profiled steps, split by the
 * profiles' self time in those steps (journal, Yjs, transport, GC, other).
 */
async function profileOurs(
  env: LaunchEnv,
  plan: BenchPlan,
  traces: readonly [TraceSpec, TraceSpec],
  sustained: number,
): Promise<Collected['profile']> {
  const dir = path.join(env.root, 'profile');
  await mkdir(dir, { recursive: true });
  const rate = Math.max(plan.sweep.busyRate, sustained);
  const group = await startGroup('ours', env, { cpuProfileDir: dir });
  let updates = 0;
  let serverCpuSeconds = 0;
  let window: ProfileWindow | undefined;
  try {
    const pool = await openLoad({
      kind: 'ours',
      host: group.entry.host,
      port: group.entry.port,
      docIds: Array.from({ length: plan.sweep.docs }, (_, i) => `prof-${i}`),
      traces,
      serverPids: group.processes.map((p) => p.pid),
      generators: plan.sweep.generators,
      generatorCores: plan.sweep.generatorCores,
    });
    try {
      // Only the measured steps: start-up, connects and redirects are no update's cost.
      const fromUs = profileClockUs();
      for (const step of [
        await pool.step(plan.sweep.busyRate, plan.sweep.busySeconds, plan.sweep.drainMs),
        await pool.step(rate, plan.sweep.stepSeconds * 2, 10_000),
      ]) {
        updates += step.sent;
        serverCpuSeconds += step.serverCpuSeconds;
      }
      window = { fromUs, toUs: profileClockUs() };
    } finally {
      await pool.close();
    }
  } finally {
    await group.stop();
  }
  const summary = await summarizeProfile(dir, 12, window);
  return summary
    ? {
        scenario:
          `ours (3 nodes, R = 2, replica), ${plan.sweep.docs} docs x 2 editors: ${plan.sweep.busySeconds} s at ${plan.sweep.busyRate} updates/s ` +
          `then ${plan.sweep.stepSeconds * 2} s at ${rate} updates/s (${sustained >= plan.sweep.busyRate ? 'its sustained rate in this run' : `the busy rate; its sustained rate in this run was ${sustained}/s`}), V8 --cpu-prof of every node, samples of those two steps only (start-up, connects and redirects left out)`,
        summary,
        split: await profileSplit(dir, window),
        updates,
        serverCpuSeconds,
      }
    : null;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const planned = benchPlan(args.quick);
  const plan = args.reps === null ? planned : { ...planned, reps: args.reps };
  const t0 = performance.now();
  const startedAt = new Date();
  const commit = await measuredCommit();
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
    forwarding: [],
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
    const sweepPlan = {
      ...plan.sweep,
      generators: args.generators ?? plan.sweep.generators,
      generatorCores: pinned ? 1 : os.cpus().length,
      retryUntil: t0 + (plan.quick ? 60 : 9 * 60) * 1000,
    };
    const keystrokes = keystrokesNeeded(plan.sweep);
    // Each generator process builds the traces itself from these (deterministic, seeded).
    const traces: readonly [TraceSpec, TraceSpec] = [
      { keystrokes, seed: 1, clientId: 1001 },
      { keystrokes, seed: 2, clientId: 2002 },
    ];
    const stats = generateTypingTrace(traces[0]).stats;
    const docTrace = generateTypingTrace({
      keystrokes: plan.memory.docKeystrokes,
      seed: 3,
      clientId: 3003,
    });
    c.editorTrace = stats;
    c.docTrace = docTrace.stats;
    c.encodedDocBytes = docTrace.finalState.length;
    say(
      `  traces: editors ${keystrokes} keystrokes each (${stats.inserts} inserts, ` +
        `${stats.deletes} deletes, ${stats.jumps} cursor jumps); loaded doc ` +
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
    for (const peer of PEERS) {
      if (!servers.includes(peer)) continue;
      const na = await probePeer(peer, env);
      if (na) {
        c.unavailable.set(peer, na);
        servers = servers.filter((s) => s !== peer);
      }
    }
    for (const kind of [...OURS, ...PEERS] as ServerKind[]) {
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
      say(`rep ${rep}/${plan.reps}: memory (ours: one node; peers as shipped) [${elapsed(t0)}]`);
      for (const kind of order.filter(
        (k) => k === 'ours' || (SHIPPED_PEERS as readonly ServerKind[]).includes(k),
      )) {
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
          runForwarding(env, plan.forwarding, `f${rep}`),
        );
        if (f) {
          c.forwarding?.push(f);
          say(forwardingLine(f));
        }
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
      runSweep('relay', env, { ...sweepPlan, overloadSeconds: 0 }, traces, 'floor', say),
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
    const name = args.quick ? 'quick' : 'full';
    await mkdir(args.out, { recursive: true });
    const chartName = `${stamp}-${name}-propagation.svg`;
    await writeFile(
      path.join(args.out, chartName),
      propagationChart(c, `Edit propagation p99 against load (${stamp}, median of ${plan.reps})`),
    );
    const results = toResults(c, {
      name,
      startedAt: startedAt.toISOString(),
      durationSeconds: (performance.now() - t0) / 1000,
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '?',
      kernel: os.release(),
      loadBefore,
      loadAfter,
      niceness,
      serverCore: SERVER_CPU,
      generatorCore: CLIENT_CPU,
      generators: args.generators ?? plan.sweep.generators,
      tmpdir: os.tmpdir(),
      ...(commit ? { commit } : {}),
      serverEnv: NODE_PROCESS_ENV,
    });
    const json = resultsJson(results);
    const jsonPath = path.join(args.out, `${stamp}-${name}.json`);
    await writeFile(jsonPath, json);
    // The Markdown is rendered from the JSON as written (what a reader of the file gets).
    const md = `${renderMarkdown(JSON.parse(json))}\n![edit propagation p99 against load](${chartName})\n`;
    await writeFile(path.join(args.out, `${stamp}-${name}.md`), md);
    say(`wrote ${path.relative(ROOT, jsonPath)}, its .md and ${chartName}`);
    for (const note of results.notes) say(`  note: ${note}`);
    // Only a full run of every server into the repository's results is "the latest results":
    // a run of some servers, or into another directory, is a local experiment.
    const everyServer = [...OURS, ...PEERS].every((k) => args.servers.includes(k));
    if (!args.quick && everyServer && path.resolve(args.out) === path.join(ROOT, 'bench/results'))
      await updateReadme(
        figuresTable(figures, c),
        `${stamp}-${name}`,
        chartName,
        args.out,
        machineContended(results.environment),
      );
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
    (m.perUnloadedDocHeap !== null ? `, per unloaded doc ${kb(m.perUnloadedDocHeap)} heap` : '') +
    (m.perEncodedDocRss !== null && m.perEncodedDocHeap !== null
      ? `, per attached idle doc kept encoded ${kb(m.perEncodedDocRss)} resident (${kb(m.perEncodedDocHeap)} heap)`
      : '')
  );
}

const START = '<!-- latest-results:start -->';
const END = '<!-- latest-results:end -->';

async function updateReadme(
  table: string,
  stamp: string,
  chart: string,
  outDir: string,
  contended: boolean,
) {
  const readme = path.join(ROOT, 'bench/README.md');
  const text = await readFile(readme, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return;
  const rel = path.relative(path.dirname(readme), outDir);
  const block = `${START}\nLatest full run: [${stamp}](${rel}/${stamp}.md) (${contended ? 'the machine was contended: figures are noisy' : 'quiet machine'}; see the file).\n\n${table}\n\n![edit propagation p99 against load](${rel}/${chart})\n${END}`;
  await writeFile(readme, text.slice(0, a) + block + text.slice(b + END.length));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Exit normally so the exit hooks kill every server process and etcd.
  process.once(signal, () => process.exit(130));
}
// Exit once the results are written: a handle left open by a measured library (an etcd
// client, a socket in its close handshake) must not keep a finished run alive.
process.exit(await main(process.argv.slice(2)));
