export interface BackoffOptions {
  /** First delay cap (default 100 ms). */
  readonly initialMs?: number;
  /** Largest delay (default 5000 ms). */
  readonly maxMs?: number;
  /** Source of randomness in [0, 1) (default `Math.random`; pass a seeded one in tests). */
  readonly random?: () => number;
}

/** Exponential backoff with full jitter: delay n is uniform in [cap/2, cap], cap = min(max, initial·2ⁿ). */
export interface Backoff {
  next(): number;
  reset(): void;
}

/** Creates a {@link Backoff}; never returns less than 1 ms. */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5000;
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const cap = Math.min(max, initial * 2 ** Math.min(attempt, 30));
      attempt++;
      return Math.max(1, Math.round(cap / 2 + (random() * cap) / 2));
    },
    reset() {
      attempt = 0;
    },
  };
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A short description of an unknown thrown value for log fields. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
