/**
 * Simulated time. The simulation runs on the process's timer functions, which the fuzz test
 * replaces with fake timers (`vi.useFakeTimers`), so the real modules' own timers (group
 * commit, replication back-off, rebalancer retries) and the simulation's events share one
 * deterministic clock. `drive` fires one timer at a time and lets every promise continuation
 * run before the next one, so one seed always runs the same interleaving.
 */
import type { Clock } from '../../clock.ts';

const realSetImmediate = globalThis.setImmediate;

export interface SimClock {
  /** Milliseconds since the clock was created. */
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. Counted in `pending` until it ran. */
  after(ms: number, fn: () => void): () => void;
  /** Resolves after `ms` (counted in `pending`). */
  sleep(ms: number): Promise<void>;
  /** Simulation timers not yet run (module timers are not counted). */
  pending(): number;
  /**
   * The clock the node's own modules get (group commit, replication back-off, rebalancer
   * retries, idle sweep): the same simulated time, not counted in `pending`.
   */
  readonly modules: Clock;
}

/** A clock over the current (fake, in the fuzz) `setTimeout` and `Date.now`. */
export function createSimClock(): SimClock {
  const start = Date.now();
  let pending = 0;
  const after = (ms: number, fn: () => void): (() => void) => {
    pending++;
    let done = false;
    const timer = setTimeout(
      () => {
        if (done) return;
        done = true;
        pending--;
        fn();
      },
      Math.max(0, ms),
    );
    return () => {
      if (done) return;
      done = true;
      pending--;
      clearTimeout(timer);
    };
  };
  const now = () => Date.now() - start;
  const moduleAfter = (ms: number, fn: () => void): (() => void) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  };
  return {
    now,
    after,
    sleep: (ms) => new Promise((resolve) => after(ms, resolve)),
    pending: () => pending,
    modules: {
      now,
      after: moduleAfter,
      every(ms, fn) {
        const timer = setInterval(fn, Math.max(1, ms));
        return () => clearInterval(timer);
      },
      sleep: (ms) => new Promise((resolve) => moduleAfter(ms, () => resolve())),
    },
  };
}

/** Steps fake time (in the fuzz: `vi.advanceTimersToNextTimer`). */
export interface TimeControl {
  /** Fires the earliest pending timer, advancing time to it; `false` when none is pending. */
  advance(): boolean;
}

/** Lets every queued promise continuation run (one real macrotask turn). */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/**
 * Fires timers one by one (draining promise continuations after each) until `done()` holds,
 * no timer is left, or `maxSteps` timers fired. Resolves whether `done()` held.
 */
export async function drive(
  control: TimeControl,
  done: () => boolean,
  maxSteps = 1_000_000,
): Promise<boolean> {
  await drainMicrotasks();
  for (let step = 0; step < maxSteps; step++) {
    if (done()) return true;
    if (!control.advance()) return done();
    await drainMicrotasks();
  }
  return done();
}
