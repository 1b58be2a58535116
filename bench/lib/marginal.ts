/**
 * Marginal CPU per update (issue 14): the average "server CPU during a step / updates" counts
 * whatever a server spends while nobody types (keepalives, sweeps, timers); the slope of server
 * CPU between two load steps is what one more update costs, and a step at 0 updates/s (editors
 * connected, no edits) measures the idle part on its own. Pure functions over measured steps.
 */

/** What this needs of a measured step (a `StepResult` has all of it). */
export interface CpuStep {
  /** Offered updates/s. */
  readonly rate: number;
  /** Tokens sent during the step. */
  readonly sent: number;
  /** Server CPU share over the step and its drain (1 = one core), all processes together. */
  readonly serverCpu: number;
  /** The same in CPU seconds (so the step's wall time is `serverCpuSeconds / serverCpu`). */
  readonly serverCpuSeconds: number;
  /** Whether the step passed (p99, ack, nothing lost …). */
  readonly passed: boolean;
}

/**
 * Server CPU (cores) from which a step is saturated: every server runs pinned to one core, so its
 * CPU cannot grow with the rate any more and a slope to that step would understate the cost.
 */
export const SATURATED_CPU = 0.9;

export interface MarginalCpu {
  /** Server CPU (cores) while connected and idle; null without an idle step. */
  readonly idleCores: number | null;
  /** µs of CPU per update between the two steps (the slope), null when no two steps differ. */
  readonly marginalMicros: number | null;
  /** Offered rates of the two steps the slope is taken between (0: the idle step). */
  readonly between: readonly [number, number] | null;
  /** Whether the upper step of the slope failed (no second passing step to use). */
  readonly upperFailed: boolean;
}

/** Updates/s a step actually carried over its wall time (step + drain); 0 for an idle step. */
export function updatesPerSecond(step: CpuStep): number {
  if (step.sent === 0 || step.serverCpu <= 0) return 0;
  return step.sent / (step.serverCpuSeconds / step.serverCpu);
}

/** µs of server CPU per update averaged over a step (what the bench reported alone before). */
export function averageMicros(step: CpuStep): number {
  return step.sent > 0 ? (step.serverCpuSeconds * 1e6) / step.sent : Number.NaN;
}

/**
 * The slope of server CPU against updates/s between the two lowest passing steps of distinct
 * rates; with one passing step, between it and the lowest failing step above it (flagged
 * `upperFailed`); otherwise between the idle step and the lowest step. Steps with nothing
 * sent, and saturated steps (server CPU ≥ {@link SATURATED_CPU}), are not used.
 */
export function marginalCpu(steps: readonly CpuStep[], idle: CpuStep | null): MarginalCpu {
  const idleCores = idle ? idle.serverCpu : null;
  const load = steps.filter((s) => s.sent > 0 && s.serverCpu > 0 && s.serverCpu < SATURATED_CPU);
  const distinct = (list: readonly CpuStep[]) => {
    const out: CpuStep[] = [];
    for (const s of [...list].sort((a, b) => a.rate - b.rate)) {
      if (!out.some((o) => o.rate === s.rate)) out.push(s);
    }
    return out;
  };
  const passed = distinct(load.filter((s) => s.passed));
  let pair: [CpuStep, CpuStep] | null = null;
  let upperFailed = false;
  if (passed.length >= 2) pair = [passed[0]!, passed[1]!];
  else if (passed.length === 1) {
    const above = distinct(load.filter((s) => !s.passed && s.rate > passed[0]!.rate))[0];
    if (above) {
      pair = [passed[0]!, above];
      upperFailed = true;
    }
  }
  if (!pair && idle) {
    const lowest = distinct(load)[0];
    if (lowest) pair = [idle, lowest];
  }
  if (!pair) return { idleCores, marginalMicros: null, between: null, upperFailed };
  const [a, b] = pair;
  const du = updatesPerSecond(b) - updatesPerSecond(a);
  if (!(du > 0)) return { idleCores, marginalMicros: null, between: null, upperFailed };
  return {
    idleCores,
    marginalMicros: ((b.serverCpu - a.serverCpu) / du) * 1e6,
    between: [a === idle ? 0 : a.rate, b.rate],
    upperFailed,
  };
}
