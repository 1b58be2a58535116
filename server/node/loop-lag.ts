import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay of this process, over a rolling window (rollout health, `/metrics`). */
export interface LoopLagMonitor {
  /** p99 event-loop delay in seconds over the last completed window (0 before the first). */
  p99Seconds(): number;
  /** Largest delay in seconds over the last completed window. */
  maxSeconds(): number;
  stop(): void;
}

/**
 * Samples event-loop delay with `perf_hooks.monitorEventLoopDelay` (20 ms resolution) and keeps
 * the figures of the last `windowMs` (default 10 s) window, so a scrape shows recent lag rather
 * than the worst moment since start. The timer is unref'd; `stop` ends sampling.
 */
export function createLoopLagMonitor(windowMs = 10_000): LoopLagMonitor {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  let p99 = 0;
  let max = 0;
  const timer = setInterval(() => {
    p99 = histogram.percentile(99) / 1e9;
    max = histogram.max / 1e9;
    histogram.reset();
  }, windowMs);
  timer.unref();
  return {
    p99Seconds: () => p99,
    maxSeconds: () => max,
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
