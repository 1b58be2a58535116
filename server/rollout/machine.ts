import { DEFAULT_THRESHOLDS, type HealthThresholds } from './health.ts';

/** What a node runs: its build and the extra `ringdoc node` arguments of that version. */
export interface NodeVersion {
  readonly build: string;
  readonly args: readonly string[];
}

/**
 * `upgrading`: restarting the nodes of the current step on the new version; `observing`: the
 * step's window is open; `rolling-back`: restarting every upgraded node on its old version;
 * terminal: `succeeded`, `rolled-back` (a breach or an abort; `reason` says which).
 */
export type RolloutPhase = 'upgrading' | 'observing' | 'rolling-back' | 'succeeded' | 'rolled-back';

/** One line of a rollout's history. */
export interface RolloutEvent {
  readonly at: number;
  readonly message: string;
}

/** The whole state of a node rollout, as stored in etcd (`rollouts/nodes`). */
export interface NodeRollout {
  readonly version: 1;
  readonly id: string;
  readonly to: NodeVersion;
  /** Each node's version before the rollout: what a rollback restarts it on. */
  readonly from: Readonly<Record<string, NodeVersion>>;
  /** Nodes in upgrade order; the first is the canary. */
  readonly order: readonly string[];
  /** Nodes upgraded after each step, cumulative (e.g. `[1, 2, 3]`). */
  readonly steps: readonly number[];
  /** Index in `steps` of the step under way. */
  readonly step: number;
  /** Nodes now running `to`, in the order they were upgraded. */
  readonly upgraded: readonly string[];
  /** A node being restarted (set before, cleared after: a resumed CLI checks it). */
  readonly restarting: string | null;
  readonly phase: RolloutPhase;
  readonly paused: boolean;
  readonly observeMs: number;
  readonly thresholds: HealthThresholds;
  /** Why it rolled back (a breach or an abort), or `null`. */
  readonly reason: string | null;
  readonly startedAt: number;
  readonly events: readonly RolloutEvent[];
}

/** What the runner must do next. */
export type RolloutAction =
  | {
      readonly kind: 'restart';
      readonly node: string;
      readonly version: NodeVersion;
      readonly upgrade: boolean;
    }
  | { readonly kind: 'observe' }
  | { readonly kind: 'wait-paused' }
  | { readonly kind: 'done' };

/** Inputs of a new rollout. */
export interface RolloutPlanInput {
  readonly id: string;
  readonly to: NodeVersion;
  readonly current: Readonly<Record<string, NodeVersion>>;
  /** Canary first; default: node ids sorted. */
  readonly order?: readonly string[];
  /** Nodes added per step after the canary (default 1). */
  readonly stepSize?: number;
  readonly observeMs: number;
  readonly thresholds?: Partial<HealthThresholds>;
  readonly now: number;
}

const MAX_EVENTS = 100;

const log = (r: NodeRollout, at: number, message: string): NodeRollout['events'] =>
  [...r.events, { at, message }].slice(-MAX_EVENTS);

/** Cumulative step sizes: the canary alone, then `stepSize` more at a time. Pure. */
export function stepsFor(nodes: number, stepSize = 1): number[] {
  if (nodes < 1) return [];
  const steps = [1];
  while ((steps.at(-1) as number) < nodes)
    steps.push(Math.min(nodes, (steps.at(-1) as number) + stepSize));
  return steps;
}

/** A new rollout, or an `Error` saying why it cannot start (no nodes, all already on `to`, bad step). Pure. */
export function planRollout(input: RolloutPlanInput): NodeRollout | Error {
  const ids = Object.keys(input.current).sort();
  const order = input.order ?? ids;
  if (order.length === 0) return new Error('no nodes to roll out to');
  for (const id of order) if (!input.current[id]) return new Error(`unknown node ${id}`);
  const stepSize = input.stepSize ?? 1;
  if (!Number.isInteger(stepSize) || stepSize < 1)
    return new Error('--step must be an integer >= 1');
  if (!(input.observeMs >= 0)) return new Error('--observe must be >= 0');
  if (order.every((id) => sameVersion(input.current[id] as NodeVersion, input.to))) {
    return new Error(`every node already runs build ${input.to.build}`);
  }
  const r: NodeRollout = {
    version: 1,
    id: input.id,
    to: input.to,
    from: input.current,
    order,
    steps: stepsFor(order.length, stepSize),
    step: 0,
    upgraded: [],
    restarting: null,
    phase: 'upgrading',
    paused: false,
    observeMs: input.observeMs,
    thresholds: { ...DEFAULT_THRESHOLDS, ...input.thresholds },
    reason: null,
    startedAt: input.now,
    events: [],
  };
  return {
    ...r,
    events: log(
      r,
      input.now,
      `rollout ${input.id} to build ${input.to.build}: canary ${order[0]}, steps ${r.steps.join(' → ')} nodes`,
    ),
  };
}

/** Same build and arguments. Pure. */
export function sameVersion(a: NodeVersion, b: NodeVersion): boolean {
  return a.build === b.build && a.args.join('\u0000') === b.args.join('\u0000');
}

export const isTerminal = (r: NodeRollout) => r.phase === 'succeeded' || r.phase === 'rolled-back';

/** The next thing to do. Pure. */
export function nextAction(r: NodeRollout): RolloutAction {
  if (isTerminal(r)) return { kind: 'done' };
  if (r.phase === 'rolling-back') {
    const node = r.upgraded.at(-1);
    if (node === undefined) return { kind: 'done' };
    return { kind: 'restart', node, version: r.from[node] as NodeVersion, upgrade: false };
  }
  if (r.paused) return { kind: 'wait-paused' };
  if (r.phase === 'observing') return { kind: 'observe' };
  const want = r.steps[r.step] ?? r.order.length;
  if (r.upgraded.length < want) {
    const node = r.order[r.upgraded.length] as string;
    return { kind: 'restart', node, version: r.to, upgrade: true };
  }
  return { kind: 'observe' };
}

/** Something that happened to a rollout. */
export type RolloutInput =
  | { readonly type: 'restarting'; readonly node: string; readonly build: string }
  | {
      readonly type: 'restarted';
      readonly node: string;
      readonly upgrade: boolean;
      /** How long the drain + restart + ready took (shown in the history). */
      readonly tookMs?: number;
    }
  | { readonly type: 'observing' }
  | { readonly type: 'healthy'; readonly summary?: string }
  | { readonly type: 'breach'; readonly reasons: readonly string[] }
  | { readonly type: 'restart-failed'; readonly node: string; readonly error: string }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'abort' };

/**
 * Applies one input. Pure. A breach, an abort or a failed upgrade turns the rollout
 * `rolling-back` (every upgraded node goes back, newest first); the last node rolled back makes
 * it `rolled-back`. Inputs that do not apply in the current phase leave it unchanged.
 */
export function applyInput(r: NodeRollout, input: RolloutInput, now: number): NodeRollout {
  if (isTerminal(r)) return r;
  const rollBack = (reason: string): NodeRollout => {
    // A node caught mid-restart may run either version: it goes back too (a no-op if old).
    const upgraded =
      r.restarting !== null && r.phase !== 'rolling-back'
        ? [...r.upgraded.filter((n) => n !== r.restarting), r.restarting]
        : r.upgraded;
    const next: NodeRollout = {
      ...r,
      phase: 'rolling-back',
      paused: false,
      reason,
      upgraded,
      restarting: null,
    };
    return settle({ ...next, events: log(r, now, `rolling back: ${reason}`) }, now);
  };
  switch (input.type) {
    case 'restarting':
      return {
        ...r,
        restarting: input.node,
        events: log(r, now, `${input.node}: drain and restart on build ${input.build}`),
      };
    case 'restarted': {
      const upgraded = input.upgrade
        ? [...r.upgraded.filter((n) => n !== input.node), input.node]
        : r.upgraded.filter((n) => n !== input.node);
      const build = input.upgrade ? r.to.build : (r.from[input.node]?.build ?? '?');
      return settle(
        {
          ...r,
          upgraded,
          restarting: null,
          events: log(
            r,
            now,
            `${input.node} ready on build ${build}${
              input.tookMs === undefined
                ? ''
                : ` (drain + restart + ready: ${(input.tookMs / 1000).toFixed(1)} s)`
            }`,
          ),
        },
        now,
      );
    }
    case 'observing':
      if (r.phase !== 'upgrading') return r;
      return {
        ...r,
        phase: 'observing',
        events: log(r, now, `observing ${r.upgraded.join(', ')} for ${r.observeMs / 1000} s`),
      };
    case 'healthy': {
      if (r.phase !== 'observing') return r;
      const last = r.step >= r.steps.length - 1;
      if (last) {
        return {
          ...r,
          phase: 'succeeded',
          events: log(
            r,
            now,
            `succeeded: every node runs build ${r.to.build}${input.summary ? ` (last window: ${input.summary})` : ''}`,
          ),
        };
      }
      return {
        ...r,
        phase: 'upgrading',
        step: r.step + 1,
        events: log(
          r,
          now,
          `step ${r.step + 1} healthy${input.summary ? ` (${input.summary})` : ''}; widening to ${r.steps[r.step + 1]} nodes`,
        ),
      };
    }
    case 'breach':
      if (r.phase !== 'observing' && r.phase !== 'upgrading') return r;
      return rollBack(`health breach: ${input.reasons.join('; ')}`);
    case 'restart-failed':
      if (r.phase === 'rolling-back') {
        return {
          ...r,
          restarting: null,
          events: log(r, now, `${input.node} failed to restart: ${input.error}; retrying`),
        };
      }
      return rollBack(`${input.node} failed to come up on build ${r.to.build}: ${input.error}`);
    case 'pause':
      if (r.phase === 'rolling-back' || r.paused) return r;
      return { ...r, paused: true, events: log(r, now, 'paused by operator') };
    case 'resume':
      if (!r.paused) return r;
      return { ...r, paused: false, events: log(r, now, 'resumed by operator') };
    case 'abort':
      if (r.phase === 'rolling-back') return r;
      return rollBack('aborted by operator');
  }
}

/** `rolling-back` with nothing left upgraded ends as `rolled-back`. */
function settle(r: NodeRollout, now: number): NodeRollout {
  if (r.phase === 'rolling-back' && r.upgraded.length === 0 && r.restarting === null) {
    return {
      ...r,
      phase: 'rolled-back',
      events: log(r, now, `rolled back: every node runs its old build (${r.reason})`),
    };
  }
  return r;
}
