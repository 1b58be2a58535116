import { type EditorPool, openEditorPool, type StepResult } from '../lib/editors.ts';
import type { LaunchEnv } from '../lib/servers.ts';
import { startServer } from '../lib/servers.ts';
import type { TypingTrace } from '../lib/trace.ts';
import { type ServerKind, wireFor } from '../lib/wire.ts';

/** p99 propagation a step must stay under to count as sustained (DESIGN §7). */
export const P99_LIMIT_MS = 100;
/** CPU share of the load generator from which a step is flagged client-bound. */
export const CLIENT_BOUND_CPU = 0.9;
/** Share of a step the server or generator waited for a CPU from which a failed step is retried. */
export const STARVED_WAIT = 0.3;

export interface SweepPlan {
  /** Documents, each with two editors (one socket each). */
  readonly docs: number;
  /** The "busy" load of the propagation item, in updates/s over all editors. */
  readonly busyRate: number;
  readonly busySeconds: number;
  /** Offered rates tried after the busy step, ascending, until one fails. */
  readonly ladder: readonly number[];
  readonly stepSeconds: number;
  readonly drainMs: number;
  /** Bisection steps between the last passing and the first failing rate. */
  readonly bisect: number;
  /** `performance.now()` after which failed steps are no longer retried (time budget). */
  readonly retryUntil?: number;
}

/** One server's run of the propagation/throughput sweep. */
export interface SweepResult {
  readonly kind: ServerKind;
  /** The busy step (propagation item and durable acks). */
  readonly busy: StepResult;
  /** Every step in the order run (busy step first). */
  readonly steps: readonly StepResult[];
  /** Highest offered rate that passed (0 when none did). */
  readonly sustained: number;
  /** Whether a step at or below the sustained rate, or the first failing one, was client-bound. */
  readonly clientBound: boolean;
  /** Seconds to connect and sync every editor. */
  readonly connectSeconds: number;
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
  if (step.closedSockets > 0) return `${step.closedSockets} sockets closed`;
  if (step.achievedRate < 0.95 * step.rate) return 'generator could not offer the rate';
  if (step.delivered < step.sent) return `${step.sent - step.delivered} updates not delivered`;
  if (!(step.propagation.p99 < P99_LIMIT_MS)) return `p99 ${step.propagation.p99.toFixed(0)} ms`;
  return null;
}

const settled = (step: StepResult) => step.delivered >= step.sent;

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
  traces: readonly [TypingTrace, TypingTrace],
  tag: string,
  log: (line: string) => void,
): Promise<SweepResult> {
  const server = await startServer(kind, env);
  const pool = await (async () => {
    const started = performance.now();
    try {
      const p = await openEditorPool({
        host: server.host,
        port: server.port,
        wire: wireFor(kind),
        docIds: Array.from({ length: plan.docs }, (_, i) => `${tag}-${i}`),
        traces,
        serverPid: server.pid,
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
        (s.ack ? ` ack p95 ${s.ack.p95.toFixed(1)} ms` : '') +
        ` delivered ${s.delivered}/${s.sent} cpu server ${(s.serverCpu * 100).toFixed(0)}% ` +
        `(waited ${(s.serverWait * 100).toFixed(0)}%) client ${(s.clientCpu * 100).toFixed(0)}% ` +
        `(waited ${(s.clientWait * 100).toFixed(0)}%) other ${(s.otherCpu * 100).toFixed(0)}% ` +
        `lag p99 ${s.clientLagP99.toFixed(0)} ms` +
        (failure ? ` FAIL (${failure})` : ''),
    );
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
    await pool.p.step(plan.busyRate / 2, 1, plan.drainMs);
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
    return {
      kind,
      busy,
      steps,
      sustained: pass,
      clientBound: relevant.some((s) => s.clientCpu >= CLIENT_BOUND_CPU),
      connectSeconds: pool.seconds,
      machineBusy: machineWasBusy(busy),
    };
  } finally {
    pool.p.close();
    await server.stop();
  }
}

/** A step left a backlog: give the server up to 10 s to deliver it. */
function waitSettled(pool: EditorPool): Promise<boolean> {
  return pool.settle(10_000);
}
