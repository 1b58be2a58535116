import type { WebUpstream } from '../web-gateway/routing.ts';
import type { RolloutEvent } from './machine.ts';
import { DEFAULT_WEB_THRESHOLDS, type WebHealthThresholds } from './web-health.ts';

/**
 * `starting`: the new build's upstream is being started; `observing`: the share of the current
 * step is (being) set and the window is open; `promoting`: the new build becomes the stable one
 * (share 100 %, old upstream stopped, `min-client-build` raised with `--protocol-change`);
 * `rolling-back`: share 0, new upstream stopped; terminal: `succeeded`, `rolled-back`.
 */
export type WebRolloutPhase =
  | 'starting'
  | 'observing'
  | 'promoting'
  | 'rolling-back'
  | 'succeeded'
  | 'rolled-back';

/** The whole state of a web rollout, as stored in etcd (`rollouts/web`). */
export interface WebRollout {
  readonly version: 1;
  readonly kind: 'web';
  readonly id: string;
  /** The stable build and its upstream when the rollout started (stopped on promotion). */
  readonly from: WebUpstream;
  readonly to: string;
  /** The new build's upstream once started (stopped on rollback), else `null`. */
  readonly toUpstream: WebUpstream | null;
  /** Share (%) of new browsers per step, rising, the last 100 (e.g. `[10, 50, 100]`). */
  readonly shares: readonly number[];
  readonly step: number;
  /** The share the gateway applies now. */
  readonly share: number;
  /** Raise `min-client-build` to `to` after promotion (old tabs reload once). */
  readonly protocolChange: boolean;
  readonly phase: WebRolloutPhase;
  readonly paused: boolean;
  readonly observeMs: number;
  readonly thresholds: WebHealthThresholds;
  readonly reason: string | null;
  readonly startedAt: number;
  readonly events: readonly RolloutEvent[];
  /** Per-build figures of the latest window (the ops page's health), or `null`. */
  readonly health: string | null;
}

export type WebRolloutAction =
  | { readonly kind: 'start-upstream' }
  | { readonly kind: 'set-share'; readonly share: number }
  | { readonly kind: 'observe' }
  | { readonly kind: 'promote' }
  | { readonly kind: 'roll-back' }
  | { readonly kind: 'wait-paused' }
  | { readonly kind: 'done' };

export type WebRolloutInput =
  | { readonly type: 'upstream-started'; readonly upstream: WebUpstream }
  | { readonly type: 'upstream-failed'; readonly error: string }
  | { readonly type: 'share-set'; readonly share: number }
  | { readonly type: 'healthy'; readonly summary: string }
  | { readonly type: 'breach'; readonly reasons: readonly string[]; readonly summary: string }
  | { readonly type: 'promoted'; readonly minClientBuild: string | null }
  | { readonly type: 'rolled-back' }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'abort' };

export interface WebRolloutPlanInput {
  readonly id: string;
  readonly from: WebUpstream;
  readonly to: string;
  readonly shares: readonly number[];
  readonly observeMs: number;
  readonly protocolChange: boolean;
  readonly thresholds?: Partial<WebHealthThresholds>;
  readonly now: number;
}

const MAX_EVENTS = 100;
const log = (r: WebRollout, at: number, message: string) =>
  [...r.events, { at, message }].slice(-MAX_EVENTS);

/** Parses `--share 10,50,100`: rising integers in 1–100, the last 100. Pure. */
export function parseShares(raw: string): number[] | Error {
  const shares = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (shares.length === 0) return new Error('--share needs at least one percentage');
  for (const [i, s] of shares.entries()) {
    if (!Number.isInteger(s) || s < 1 || s > 100)
      return new Error(`--share: ${s} is not a whole percentage in 1–100`);
    if (i > 0 && s <= (shares[i - 1] as number))
      return new Error('--share: the percentages must rise');
  }
  if (shares.at(-1) !== 100) return new Error('--share: the last step must be 100');
  return shares;
}

/** A new web rollout, or an `Error` saying why it cannot start. Pure. */
export function planWebRollout(input: WebRolloutPlanInput): WebRollout | Error {
  if (input.to === input.from.build) return new Error(`build ${input.to} is already served`);
  if (!(input.observeMs >= 0)) return new Error('--observe must be >= 0');
  const r: WebRollout = {
    version: 1,
    kind: 'web',
    id: input.id,
    from: input.from,
    to: input.to,
    toUpstream: null,
    shares: input.shares,
    step: 0,
    share: 0,
    protocolChange: input.protocolChange,
    phase: 'starting',
    paused: false,
    observeMs: input.observeMs,
    thresholds: { ...DEFAULT_WEB_THRESHOLDS, ...input.thresholds },
    reason: null,
    startedAt: input.now,
    events: [],
    health: null,
  };
  return {
    ...r,
    events: log(
      r,
      input.now,
      `web rollout ${input.id}: ${input.from.build} → ${input.to}, shares ${input.shares.join(' → ')} %${
        input.protocolChange ? ', protocol change (min-client-build raised after promotion)' : ''
      }`,
    ),
  };
}

export const isWebTerminal = (r: WebRollout) =>
  r.phase === 'succeeded' || r.phase === 'rolled-back';

/** The next thing to do. Pure. */
export function nextWebAction(r: WebRollout): WebRolloutAction {
  switch (r.phase) {
    case 'succeeded':
    case 'rolled-back':
      return { kind: 'done' };
    case 'rolling-back':
      return { kind: 'roll-back' };
    case 'promoting':
      return { kind: 'promote' };
    case 'starting':
      return r.paused ? { kind: 'wait-paused' } : { kind: 'start-upstream' };
    case 'observing': {
      if (r.paused) return { kind: 'wait-paused' };
      const want = r.shares[r.step] as number;
      return r.share === want ? { kind: 'observe' } : { kind: 'set-share', share: want };
    }
  }
}

/**
 * Applies one input. Pure. A breach, an abort or an upstream that does not start turns the
 * rollout `rolling-back`; a healthy window on the last step (100 %) turns it `promoting`.
 * Inputs that do not apply in the current phase leave it unchanged.
 */
export function applyWebInput(r: WebRollout, input: WebRolloutInput, now: number): WebRollout {
  if (isWebTerminal(r)) return r;
  const rollBack = (reason: string, health = r.health): WebRollout => ({
    ...r,
    phase: 'rolling-back',
    paused: false,
    reason,
    health,
    events: log(r, now, `rolling back: ${reason}`),
  });
  switch (input.type) {
    case 'upstream-started':
      if (r.phase !== 'starting') return r;
      return {
        ...r,
        phase: 'observing',
        toUpstream: input.upstream,
        events: log(r, now, `build ${r.to} serving at ${input.upstream.url}`),
      };
    case 'upstream-failed':
      if (r.phase !== 'starting') return r;
      return rollBack(`build ${r.to} did not start: ${input.error}`);
    case 'share-set':
      if (r.phase !== 'observing') return r;
      return {
        ...r,
        share: input.share,
        events: log(
          r,
          now,
          `step ${r.step + 1}/${r.shares.length}: ${input.share} % of new browsers get build ${r.to}; observing for ${r.observeMs / 1000} s`,
        ),
      };
    case 'healthy': {
      if (r.phase !== 'observing') return r;
      if (r.step >= r.shares.length - 1) {
        return {
          ...r,
          phase: 'promoting',
          health: input.summary,
          events: log(r, now, `step ${r.step + 1} healthy (${input.summary}); promoting ${r.to}`),
        };
      }
      return {
        ...r,
        step: r.step + 1,
        health: input.summary,
        events: log(
          r,
          now,
          `step ${r.step + 1} healthy (${input.summary}); widening to ${r.shares[r.step + 1]} %`,
        ),
      };
    }
    case 'breach':
      if (r.phase !== 'observing') return r;
      return rollBack(`health breach: ${input.reasons.join('; ')}`, input.summary);
    case 'promoted':
      if (r.phase !== 'promoting') return r;
      return {
        ...r,
        phase: 'succeeded',
        share: 100,
        events: log(
          r,
          now,
          `succeeded: build ${r.to} is the stable web build; ${r.from.build} stopped${
            input.minClientBuild ? `; min-client-build = ${input.minClientBuild}` : ''
          }`,
        ),
      };
    case 'rolled-back':
      if (r.phase !== 'rolling-back') return r;
      return {
        ...r,
        phase: 'rolled-back',
        share: 0,
        events: log(
          r,
          now,
          `rolled back: every browser gets build ${r.from.build} again (${r.reason})`,
        ),
      };
    case 'pause':
      if (r.paused || (r.phase !== 'starting' && r.phase !== 'observing')) return r;
      return { ...r, paused: true, events: log(r, now, 'paused by operator') };
    case 'resume':
      if (!r.paused) return r;
      return { ...r, paused: false, events: log(r, now, 'resumed by operator') };
    case 'abort':
      if (r.phase !== 'starting' && r.phase !== 'observing') return r;
      return rollBack('aborted by operator');
  }
}
