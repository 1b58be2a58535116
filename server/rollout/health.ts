import { CloseCode } from '../protocol/index.ts';

/** What a rollout reads from one node's `/metrics` and `/readyz` at one moment. */
export interface HealthSample {
  /** `/readyz` answered 200. */
  readonly ready: boolean;
  /** Sockets the node closed as edit errors (bad request, load failed), cumulative. */
  readonly errorCloses: number;
  /** `ringdoc_load_failures_total`, cumulative. */
  readonly loadFailures: number;
  /** Cumulative ack-latency histogram (`ringdoc_durable_seconds`): upper bound (s) → count. */
  readonly ackBuckets: ReadonlyArray<readonly [number, number]>;
  /** `ringdoc_event_loop_lag_p99_seconds`. */
  readonly loopLagSeconds: number;
  /** `ringdoc_process_start_time_seconds`: a change means the process restarted. */
  readonly startTime: number;
  /** From `ringdoc_build_info{build=…}`, or `null`. */
  readonly build: string | null;
}

/**
 * Thresholds of a node rollout (README, Rollouts): a canary breaches when, over its observation
 * window, it does worse than the worst of the nodes not yet upgraded by more than these.
 */
export interface HealthThresholds {
  /** Extra edit error closes (4400, 4500) allowed (default 2). */
  readonly errorCloses: number;
  /** Extra document load failures allowed (default 0). */
  readonly loadFailures: number;
  /** Ack p95 may reach this multiple of the others' (default 3)… */
  readonly ackP95Ratio: number;
  /** …and is never a breach at or below this many ms (default 250). */
  readonly ackP95FloorMs: number;
  /** Event-loop lag p99 above this many ms is a breach (default 250). */
  readonly loopLagMs: number;
  /** Consecutive polls a canary may answer "not ready" or not at all (default 5). */
  readonly notReadyPolls: number;
  /**
   * Time after a step's restarts before its window opens (default 5000 ms): documents moving
   * back and a cold process are the move's cost, not the build's, and are not judged.
   */
  readonly warmupMs: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  errorCloses: 2,
  loadFailures: 0,
  ackP95Ratio: 3,
  ackP95FloorMs: 250,
  loopLagMs: 250,
  notReadyPolls: 5,
  warmupMs: 5000,
};

const ERROR_CLOSE_CODES = new Set([String(CloseCode.BAD_REQUEST), String(CloseCode.LOAD_FAILED)]);

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

function labelsOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) {
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** Reads a {@link HealthSample} from Prometheus text (missing metrics count as 0). Pure. */
export function parseHealth(metricsText: string, ready: boolean): HealthSample {
  let errorCloses = 0;
  let loadFailures = 0;
  let loopLagSeconds = 0;
  let startTime = 0;
  let build: string | null = null;
  const ackBuckets: Array<[number, number]> = [];
  for (const line of metricsText.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, rawLabels, rawValue] = m;
    const value = Number(rawValue);
    if (!Number.isFinite(value)) continue;
    const labels = labelsOf(rawLabels);
    switch (name) {
      case 'ringdoc_closes_total':
        if (ERROR_CLOSE_CODES.has(labels.code ?? '')) errorCloses += value;
        break;
      case 'ringdoc_load_failures_total':
        loadFailures = value;
        break;
      case 'ringdoc_durable_seconds_bucket': {
        const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
        if (!Number.isNaN(le)) ackBuckets.push([le, value]);
        break;
      }
      case 'ringdoc_event_loop_lag_p99_seconds':
        loopLagSeconds = value;
        break;
      case 'ringdoc_process_start_time_seconds':
        startTime = value;
        break;
      case 'ringdoc_build_info':
        if (value === 1 && labels.build) build = labels.build;
        break;
    }
  }
  ackBuckets.sort((a, b) => a[0] - b[0]);
  return { ready, errorCloses, loadFailures, ackBuckets, loopLagSeconds, startTime, build };
}

/** Ack p95 in ms of the acks recorded between two samples (bucket upper bound), or `null` under `minCount` acks. Pure. */
export function ackP95Between(from: HealthSample, to: HealthSample, minCount = 20): number | null {
  const before = new Map(from.ackBuckets);
  const delta = to.ackBuckets.map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const);
  const total = delta.at(-1)?.[1] ?? 0;
  if (total < minCount) return null;
  const want = total * 0.95;
  for (const [le, n] of delta) if (n >= want) return le * 1000;
  return null;
}

/** One node over an observation window: its first and latest samples, and polls it failed in a row. */
export interface NodeWindow {
  readonly id: string;
  readonly first: HealthSample;
  readonly last: HealthSample;
  /** Consecutive most recent polls where it was unreachable or not ready. */
  readonly notReadyStreak: number;
}

/**
 * The breaches of the upgraded nodes (`canaries`) against the nodes not upgraded (`others`; may
 * be empty on the last step: absolute thresholds only), each a sentence naming the node, the
 * figure and the threshold. Empty: healthy. Pure.
 */
export function findBreaches(
  canaries: readonly NodeWindow[],
  others: readonly NodeWindow[],
  t: HealthThresholds,
): string[] {
  const worst = (f: (w: NodeWindow) => number) => Math.max(0, ...others.map(f));
  const errorDelta = (w: NodeWindow) => w.last.errorCloses - w.first.errorCloses;
  const loadDelta = (w: NodeWindow) => w.last.loadFailures - w.first.loadFailures;
  const baseErrors = worst(errorDelta);
  const baseLoads = worst(loadDelta);
  const baseAck = Math.max(0, ...others.map((w) => ackP95Between(w.first, w.last) ?? 0));
  const out: string[] = [];
  for (const c of canaries) {
    if (c.notReadyStreak >= t.notReadyPolls) {
      out.push(
        `${c.id} not ready for ${c.notReadyStreak} polls in a row (limit ${t.notReadyPolls})`,
      );
    }
    if (c.first.startTime !== 0 && c.last.startTime !== c.first.startTime) {
      out.push(`${c.id} restarted during its observation window`);
    }
    const loads = loadDelta(c);
    if (loads > baseLoads + t.loadFailures) {
      out.push(
        `${c.id} failed ${loads} document loads (others at most ${baseLoads}; allowed +${t.loadFailures})`,
      );
    }
    const errors = errorDelta(c);
    if (errors > baseErrors + t.errorCloses) {
      out.push(
        `${c.id} closed ${errors} sockets with edit errors (others at most ${baseErrors}; allowed +${t.errorCloses})`,
      );
    }
    const ack = ackP95Between(c.first, c.last);
    const ackLimit = Math.max(t.ackP95FloorMs, baseAck * t.ackP95Ratio);
    if (ack !== null && ack > ackLimit) {
      out.push(`${c.id} ack p95 ${ack} ms (limit ${ackLimit} ms)`);
    }
    const lag = c.last.loopLagSeconds * 1000;
    if (lag > t.loopLagMs) {
      out.push(`${c.id} event-loop lag p99 ${lag.toFixed(0)} ms (limit ${t.loopLagMs} ms)`);
    }
  }
  return out;
}

/**
 * One line per node of a window's figures, for the rollout history (`ringdoc rollout status`):
 * `n1 ack p95 25 ms, lag p99 3 ms, +0 load failures, +0 error closes`. Pure.
 */
export function summarizeWindows(windows: readonly NodeWindow[]): string {
  return windows
    .map((w) => {
      const ack = ackP95Between(w.first, w.last, 1);
      return `${w.id} ack p95 ${ack === null ? '–' : `${ack} ms`}, lag p99 ${(w.last.loopLagSeconds * 1000).toFixed(0)} ms, +${
        w.last.loadFailures - w.first.loadFailures
      } load failures, +${w.last.errorCloses - w.first.errorCloses} error closes`;
    })
    .join('; ');
}

/** A node never sampled (or a new process, counted from zero). */
export const EMPTY_SAMPLE: HealthSample = {
  ready: false,
  errorCloses: 0,
  loadFailures: 0,
  ackBuckets: [],
  loopLagSeconds: 0,
  startTime: 0,
  build: null,
};

/**
 * The write pause of a step's moves as the nodes saw it (DESIGN §7, issue 19: "show the pause
 * per step"): each node's ack p95 between `before` (taken just before the step's first
 * restart) and `after` (once its warm-up ended), i.e. over the drains, restarts and joins of the
 * step and the documents' moves back. A node whose process changed meanwhile is read from its
 * new process's start. Pure.
 */
export function summarizeMoves(
  before: ReadonlyMap<string, HealthSample>,
  after: ReadonlyMap<string, HealthSample>,
  seconds: number,
): string {
  const nodes = [...after.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, last]) => {
      const first = before.get(id);
      const restarted = !first || first.startTime !== last.startTime;
      const ack = ackP95Between(restarted ? EMPTY_SAMPLE : first, last, 1);
      return `${id}${restarted ? ' (new process)' : ''} ${ack === null ? '–' : `${ack} ms`}`;
    });
  return `moves over ${seconds.toFixed(1)} s (restarts, warm-up): ack p95 ${nodes.join(', ')}`;
}
