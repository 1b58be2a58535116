/** Reconnect delays (DESIGN C7): exponential growth with full jitter, capped. */
export interface BackoffOptions {
  /** Ceiling of the first delay in ms (default 500). */
  readonly baseMs?: number;
  /** Largest ceiling any delay can reach in ms (default 30 000). */
  readonly capMs?: number;
  /**
   * Uniform random source in [0, 1). Required: the library has no randomness of its own
   * (browsers pass `Math.random`, simulations a seeded PRNG).
   */
  readonly random: () => number;
}

/** A reconnect delay sequence (C7, P20); one per client. */
export interface Backoff {
  /**
   * The delay before the next attempt: uniform in [0, min(cap, base·2^attempt)) ("full
   * jitter"), but never less than `retryAfterMs` when the server asked for one. Each call
   * counts one failed attempt.
   */
  next(retryAfterMs?: number): number;
  /** Forget the failures (call once a connection has synced). */
  reset(): void;
  /** Failed attempts since the last reset. */
  readonly attempts: number;
}

/** Ceiling of the delay after `attempt` failures (0-based): min(cap, base·2^attempt). */
export function backoffCeiling(attempt: number, baseMs = 500, capMs = 30_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
}

/** Creates a backoff sequence; see {@link Backoff}. Never throws. */
export function createBackoff(options: BackoffOptions): Backoff {
  const baseMs = options.baseMs ?? 500;
  const capMs = options.capMs ?? 30_000;
  const random = options.random;
  let attempts = 0;
  return {
    next(retryAfterMs) {
      const jittered = Math.floor(random() * backoffCeiling(attempts, baseMs, capMs));
      attempts++;
      const floor = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : 0;
      return Math.max(jittered, Math.min(floor, capMs));
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
