/**
 * Time, injected (STYLE 2): server logic never reads `Date.now`, `performance.now` or calls
 * `setTimeout` itself, so the simulation runs the production modules on simulated time and a
 * test can run three nodes in one process.
 */
export interface Clock {
  /** Milliseconds: wall time for the system clock, simulated time in the simulation. */
  now(): number;
  /** Runs `fn` once after `ms`; returns a function that cancels it (idempotent). */
  after(ms: number, fn: () => void): () => void;
  /** Runs `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
}

/**
 * The process's real clock. One-shot timers keep the process alive like `setTimeout` (a
 * group commit must not be dropped by an exiting process); periodic ones (`every`: sweeps)
 * are `unref`ed and never keep it alive on their own.
 */
export function systemClock(): Clock {
  const after = (ms: number, fn: () => void) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  };
  return {
    // Wall time with sub-millisecond resolution (durations feed histograms).
    now: () => performance.timeOrigin + performance.now(),
    after,
    every(ms, fn) {
      const timer = setInterval(fn, Math.max(1, ms));
      timer.unref?.();
      return () => clearInterval(timer);
    },
    sleep: (ms) =>
      new Promise((resolve) => {
        setTimeout(resolve, Math.max(0, ms));
      }),
  };
}

/** Milliseconds since `started` on `clock` (for histograms: seconds = `elapsed / 1000`). */
export function elapsedMs(clock: Clock, started: number): number {
  return clock.now() - started;
}
