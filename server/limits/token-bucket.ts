import { systemClock } from '../clock.ts';
/** A clock in milliseconds (default the system clock, `server/clock.ts`). */
export type Clock = () => number;

/** A token bucket: `ratePerSecond` tokens refill continuously up to `burst`. */
export interface TokenBucket {
  /**
   * Takes `cost` tokens; false (and nothing taken) when too few are left. A cost larger than
   * `burst` is allowed only when the bucket is full, and then leaves it in debt, so one large
   * frame is never refused forever but is paid for before anything else passes.
   */
  take(cost?: number): boolean;
  /** Milliseconds until `cost` tokens would be available (0 when they are now). */
  retryAfterMs(cost?: number): number;
  /** Tokens available now (negative while in debt). */
  level(): number;
  /** True when the bucket is full (an idle bucket: safe to forget). */
  full(): boolean;
}

export interface TokenBucketOptions {
  /** Refill rate; must be > 0. */
  readonly ratePerSecond: number;
  /** Capacity, and the starting level; must be > 0. */
  readonly burst: number;
  readonly now?: Clock;
}

/** Creates a full bucket. Throws `RangeError` on a non-positive rate or burst. */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const { ratePerSecond, burst } = options;
  if (!(ratePerSecond > 0) || !(burst > 0)) {
    throw new RangeError(`token bucket needs rate > 0 and burst > 0 (${ratePerSecond}, ${burst})`);
  }
  const now = options.now ?? systemClock().now;
  let tokens = burst;
  let last = now();
  const refill = () => {
    const t = now();
    if (t > last) tokens = Math.min(burst, tokens + ((t - last) * ratePerSecond) / 1000);
    last = t;
  };
  return {
    take(cost = 1) {
      refill();
      if (tokens >= cost || tokens >= burst) {
        tokens -= cost;
        return true;
      }
      return false;
    },
    retryAfterMs(cost = 1) {
      refill();
      const needed = Math.min(cost, burst) - tokens;
      return needed <= 0 ? 0 : Math.ceil((needed * 1000) / ratePerSecond);
    },
    level() {
      refill();
      return tokens;
    },
    full() {
      refill();
      return tokens >= burst;
    },
  };
}
