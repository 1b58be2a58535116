import type { TraceSpec } from '../lib/generator.ts';
import {
  CLIENT_BOUND_CPU,
  type LoadPool,
  openLoad,
  type StepResult,
  withFinalTokens,
} from '../lib/load.ts';
import type { LaunchEnv } from '../lib/servers.ts';
import { startGroup } from '../lib/servers.ts';
import type { ServerKind } from '../lib/wire.ts';

export { CLIENT_BOUND_CPU };

/** p99 propagation a step must stay under to count as sustained (DESIGN §7). */
export const P99_LIMIT_MS = 100;
/** ACK p95 (or its stand-in) a step must stay under to count as sustained (DESIGN §7). */
export const ACK_P95_LIMIT_MS = 20;
/** Share of a step the server or generator waited for a CPU from which a failed step is retried. */
export const STARVED_WAIT = 0.3;

export interface SweepPlan {
  /** Documents, each with two editors (one socket each). */
  readonly docs: number;
  /** The "busy" load of the propagation item, in updates/s over all editors. */
  readonly busyRate: number;
  readonly busySeconds: number;
  /**
   * Seconds of unmeasured load at the busy rate before the idle and busy steps, for every server
   * alike: a process's first seconds under load compile its hot code and size its heap (ours'
   * first 8 s at 2,000/s cost 1.6x the CPU of its third).
   */
  readonly warmupSeconds: number;
  /** Offered rates tried after the busy step, ascending, until one fails. */
  readonly ladder: readonly number[];
  readonly stepSeconds: number;
  readonly drainMs: number;
  /** Bisection steps between the last passing and the first failing rate. */
  readonly bisect: number;
  /** `performance.now()` after which failed steps are no longer retried (time budget). */
  readonly retryUntil?: number;
  /** Seconds of the overload step (2x the sustained rate); 0: none. */
  readonly overloadSeconds: number;
  /** Load-generator processes, and the cores they may use between them. */
  readonly generators: number;
  readonly generatorCores: number;
}

/** The overload row: 2x the sustained rate, then the busy rate in 1-s windows until normal. */
export interface OverloadResult {
  readonly rate: number;
  readonly step: StepResult;
  /** Propagation p99 of each 1-s window at the busy rate after the overload. */
  readonly recovery: readonly number[];
  /** p99 counted as normal: the busy step's p99 x 2 (at least + 5 ms). */
  readonly normalP99: number;
  /**
   * Seconds from the end of the overload until the first normal window ended (backlog drain
   * included), null when it did not return to normal within the windows tried.
   */
  readonly backToNormalSeconds: number | null;
}

/** One server's run of the propagation/throughput sweep. */
export interface SweepResult {
  readonly kind: ServerKind;
  /** The busy step (propagation item and durable acks). */
  readonly busy: StepResult;
  /** Every step in the order run (busy step first). */
  readonly steps: readonly StepResult[];
  /**
   * Every editor connected and synced, no edits, for `stepSeconds` (after the warm-up settled):
   * what the server spends while nobody types. Absent in results written before it.
   */
  readonly idle?: StepResult | null;
  /** Highest offered rate that passed (0 when none did). */
  readonly sustained: number;
  /** Whether a step at or below the sustained rate, or the first failing one, was client-bound. */
  readonly clientBound: boolean;
  /** Seconds to connect and sync every editor. */
  readonly connectSeconds: number;
  /** Server processes (ours: 3 nodes) and load-generator processes. */
  readonly serverProcesses: number;
  readonly generatorProcesses: number;
  readonly overload: OverloadResult | null;
  /**
   * Other processes held the machine during the busy step (they used ≥ 1.2 cores, or the
   * server waited ≥ 40 % of the time for a CPU): the run measured the machine, not the server.
   */
  readonly machineBusy: boolean;
}

/** Whether a busy step ran on a machine too busy with other work to mean anything. */
export function machineWasBusy(step: StepResult): boolean {
  return step.otherCpu >= 1.2 || step.serverWait >= 0.4;
}

/** Why a step does not count as sustained, or null when it does. */
export function stepFailure(step: StepResult): string | null {
  const t = step.tokens;
  if (step.closedSockets > 0) {
    return `${step.closedSockets} sockets closed (codes ${JSON.stringify(step.closeCodes)})`;
  }
  if (step.achievedRate < 0.95 * step.rate) return 'generator could not offer the rate';
  if (t.lostMidSequence > 0) return `${t.lostMidSequence} tokens lost mid-sequence`;
  if (t.lost > 0) return `${t.lost} tokens never delivered`;
  if (step.undeliveredAtDrain > 0) {
    return `${step.undeliveredAtDrain} tokens not delivered within the step's drain`;
  }
  if (t.duplicated > 0) return `${t.duplicated} tokens duplicated`;
  if (!(step.propagation.p99 < P99_LIMIT_MS)) return `p99 ${step.propagation.p99.toFixed(0)} ms`;
  if (step.ack && !(step.ack.p95 < ACK_P95_LIMIT_MS)) {
    return `${step.ackKind} p95 ${step.ack.p95.toFixed(0)} ms`;
  }
  return null;
}

const settled = (step: StepResult) => step.tokens.lost === 0;

/**
 * Starts a fresh server of `kind`, connects two editors to each of `plan.docs` documents,
 * warms up, runs the busy step, then climbs `plan.ladder` until a step fails (p99 ≥ 100 ms,
 * lost updates or closed sockets) and bisects between the last pass and the first failure.
 * A step that leaves a backlog the server cannot drain in 10 s ends the sweep. The server is
 * stopped before returning, also on failure.
 */
export async function runSweep(
  kind: ServerKind,
  env: LaunchEnv,
  plan: SweepPlan,
  traces: readonly [TraceSpec, TraceSpec],
  tag: string,
  log: (line: string) => void,
): Promise<SweepResult> {
  const server = await startGroup(kind, env);
  const pool = await (async () => {
    const started = performance.now();
    try {
      const p = await openLoad({
        kind,
        host: server.entry.host,
        port: server.entry.port,
        docIds: Array.from({ length: plan.docs }, (_, i) => `${tag}-${i}`),
        traces,
        serverPids: server.processes.map((s) => s.pid),
        generators: plan.generators,
        generatorCores: plan.generatorCores,
      });
      return { p, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      await server.stop();
      throw new Error(`${kind}: ${(error as Error).message}\n${server.output().slice(-2000)}`);
    }
  })();
  const steps: StepResult[] = [];
  const say = (s: StepResult, label: string) => {
    const failure = stepFailure(s);
    log(
      `  ${kind} ${label} ${Math.round(s.rate)}/s: p50 ${s.propagation.p50.toFixed(2)} p99 ` +
        `${s.propagation.p99.toFixed(2)} ms` +
        (s.ack ? ` ${s.ackKind} p95 ${s.ack.p95.toFixed(1)} ms` : ' no ack') +
        ` tokens ${s.tokens.delivered}/${s.tokens.sent} delivered, ${s.tokens.lost} lost ` +
        `(${s.tokens.lostMidSequence} mid-sequence), ${s.tokens.duplicated} dup; cpu server ` +
        `${(s.serverCpu * 100).toFixed(0)}% (waited ${(s.serverWait * 100).toFixed(0)}%) ` +
        `generators ${s.generators.map((g) => `${(g.cpu * 100).toFixed(0)}%`).join('+')}` +
        `${s.clientBound ? ' CLIENT-BOUND' : ''}${s.redirects ? ` (${s.redirects} redirects followed)` : ''} ` +
        `(waited ${(s.clientWait * 100).toFixed(0)}%) other ${(s.otherCpu * 100).toFixed(0)}% ` +
        `lag p99 ${s.clientLagP99.toFixed(0)} ms` +
        (failure ? ` FAIL (${failure})` : ''),
    );
    // A closed socket is always explained: the server's own warnings and errors (its last ones).
    if (s.closedSockets > 0) {
      const words = server
        .output()
        .split('\n')
        .filter((l) => /"level":"(warn|error)"|\b(WARN|ERROR)\b|error|fenced|failed/i.test(l));
      const seen = new Set<string>();
      for (const line of words.reverse()) {
        const key = line.replace(/\d+/g, '#').slice(0, 160);
        if (seen.has(key)) continue;
        seen.add(key);
        log(`    ${kind} said: ${line.slice(0, 400)}`);
        if (seen.size >= 6) break;
      }
    }
  };
  try {
    /**
     * One step; a failed step during which the server or the generator waited ≥ 30 % of the
     * time for a CPU other processes held is run once more (after the backlog drained), and the
     * retry counts: on a shared machine the first result is then the machine's, not the server's.
     */
    const run = async (rate: number, seconds: number): Promise<StepResult> => {
      const first = await pool.p.step(rate, seconds, plan.drainMs);
      const starved =
        (first.serverWait >= STARVED_WAIT || first.clientWait >= STARVED_WAIT) &&
        performance.now() < (plan.retryUntil ?? Number.POSITIVE_INFINITY);
      if (stepFailure(first) === null || !starved || !(await pool.p.settle(10_000))) return first;
      log(
        `  ${kind} ${Math.round(rate)}/s failed while starved of CPU (server waited ${(first.serverWait * 100).toFixed(0)}%, generator ${(first.clientWait * 100).toFixed(0)}%): once more`,
      );
      const second = await pool.p.step(rate, seconds, plan.drainMs);
      return { ...second, retried: true };
    };
    await pool.p.step(plan.busyRate, plan.warmupSeconds, plan.drainMs);
    await pool.p.settle(10_000);
    const idle = await pool.p.step(0, plan.stepSeconds, 0);
    log(
      `  ${kind} idle (connected, no edits) ${plan.stepSeconds} s: cpu server ${(idle.serverCpu * 100).toFixed(1)}% (waited ${(idle.serverWait * 100).toFixed(0)}%)`,
    );
    const busy = await run(plan.busyRate, plan.busySeconds);
    steps.push(busy);
    say(busy, 'busy');
    let pass = stepFailure(busy) === null ? plan.busyRate : 0;
    let fail = pass ? 0 : plan.busyRate;
    let healthy = settled(busy) || (await waitSettled(pool.p));
    if (pass) {
      for (const rate of plan.ladder.filter((r) => r > plan.busyRate)) {
        if (!healthy) break;
        const s = await run(rate, plan.stepSeconds);
        steps.push(s);
        say(s, 'step');
        healthy = settled(s) || (await waitSettled(pool.p));
        if (stepFailure(s) !== null) {
          fail = rate;
          break;
        }
        pass = rate;
      }
    } else {
      for (const rate of [plan.busyRate / 2, plan.busyRate / 4, plan.busyRate / 8]) {
        if (!healthy) break;
        const s = await run(rate, plan.stepSeconds);
        steps.push(s);
        say(s, 'step');
        healthy = settled(s) || (await waitSettled(pool.p));
        if (stepFailure(s) === null) {
          pass = rate;
          break;
        }
        fail = rate;
      }
    }
    for (let i = 0; i < plan.bisect && pass > 0 && fail > 0 && healthy; i++) {
      const rate = Math.round(Math.sqrt(pass * fail));
      const s = await run(rate, plan.stepSeconds);
      steps.push(s);
      say(s, 'bisect');
      healthy = settled(s) || (await waitSettled(pool.p));
      if (stepFailure(s) === null) pass = rate;
      else fail = rate;
    }
    const relevant = steps.filter((s) => s.rate <= Math.max(pass, fail));
    let overload: OverloadResult | null = null;
    if (plan.overloadSeconds > 0 && pass > 0 && (healthy || (await pool.p.settle(15_000)))) {
      overload = await runOverload(pool.p, 2 * pass, plan, busy.propagation.p99);
      const o = overload;
      say(o.step, 'OVERLOAD');
      log(
        `  ${kind} after overload: windows p99 ${o.recovery.map((v) => v.toFixed(1)).join(', ')} ms; ` +
          `back to normal (p99 <= ${o.normalP99.toFixed(1)} ms) ${o.backToNormalSeconds === null ? 'not within the windows' : `after ${o.backToNormalSeconds.toFixed(1)} s`}`,
      );
    }
    // Final per-token counts: a token that arrived after its step's drain is late, not lost.
    await pool.p.settle(10_000);
    const finals = await pool.p.finalAccounts();
    const final = (s: StepResult) => withFinalTokens(s, finals);
    if (overload) overload = { ...overload, step: final(overload.step) };
    return {
      kind,
      busy: final(busy),
      steps: steps.map(final),
      idle,
      sustained: pass,
      clientBound: relevant.some((s) => s.clientBound),
      connectSeconds: pool.seconds,
      serverProcesses: server.processes.length,
      generatorProcesses: plan.generators,
      overload,
      machineBusy: machineWasBusy(busy),
    };
  } finally {
    await pool.p.close();
    await server.stop();
  }
}

/** A step left a backlog: give the server up to 10 s to deliver it. */
function waitSettled(pool: LoadPool): Promise<boolean> {
  return pool.settle(10_000);
}

/**
 * 2x the sustained rate for `plan.overloadSeconds` (its backlog drained for up to 30 s, so
 * every token is accounted for), then 1-s windows at the busy rate until one has a normal p99
 * (at most 10 windows).
 */
async function runOverload(
  pool: LoadPool,
  rate: number,
  plan: SweepPlan,
  busyP99: number,
): Promise<OverloadResult> {
  const step = await pool.step(rate, plan.overloadSeconds, 30_000);
  const normalP99 = Math.max(2 * busyP99, busyP99 + 5);
  const recovery: number[] = [];
  let back: number | null = null;
  let seconds = step.drainMs / 1000;
  for (let i = 0; i < 10; i++) {
    const w = await pool.step(plan.busyRate, 1, 1_000);
    seconds += 1 + w.drainMs / 1000;
    recovery.push(w.propagation.p99);
    if (w.propagation.p99 <= normalP99 && w.tokens.lost === 0) {
      back = seconds;
      break;
    }
  }
  return { rate, step, recovery, normalP99, backToNormalSeconds: back };
}
