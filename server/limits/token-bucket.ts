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
  return new Bucket(ratePerSecond, burst, options.now ?? systemClock().now);
}

/**
 * A token bucket held as one number (GCRA): `fullAt`, the time (ms) from which it is full
 * again; any `fullAt` ≤ now means full. Its level at `t` is `burst − (fullAt − t) × rate / 1000`
 * (negative: in debt). One number instead of a level and the time it was read, so a
 * connection's buckets fit in its budget's fields (issue 14, memory per connection).
 */
export function bucketLevel(fullAt: number, t: number, rate: number, burst: number): number {
  return fullAt <= t ? burst : burst - ((fullAt - t) * rate) / 1000;
}

/**
 * `fullAt` after taking `cost` tokens at `t`, or null (nothing taken) when too few are left; a
 * cost above `burst` passes only from a full bucket (`TokenBucket.take`). A negative cost
 * gives tokens back.
 */
export function bucketTake(
  fullAt: number,
  t: number,
  cost: number,
  rate: number,
  burst: number,
): number | null {
  const level = bucketLevel(fullAt, t, rate, burst);
  if (level < cost && level < burst) return null;
  return Math.max(fullAt, t) + (cost * 1000) / rate;
}

/** Milliseconds from `t` until `cost` tokens are there (0: now). */
export function bucketRetryAfterMs(
  fullAt: number,
  t: number,
  cost: number,
  rate: number,
  burst: number,
): number {
  const needed = Math.min(cost, burst) - bucketLevel(fullAt, t, rate, burst);
  return needed <= 0 ? 0 : Math.ceil((needed * 1000) / rate);
}

/** The bucket's one number in a field, its methods on the prototype (no closures per bucket). */
class Bucket implements TokenBucket {
  private fullAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: Clock,
  ) {
    this.fullAt = now();
  }

  take(cost = 1): boolean {
    const next = bucketTake(this.fullAt, this.now(), cost, this.ratePerSecond, this.burst);
    if (next === null) return false;
    this.fullAt = next;
    return true;
  }

  retryAfterMs(cost = 1): number {
    return bucketRetryAfterMs(this.fullAt, this.now(), cost, this.ratePerSecond, this.burst);
  }

  level(): number {
    return bucketLevel(this.fullAt, this.now(), this.ratePerSecond, this.burst);
  }

  full(): boolean {
    return this.fullAt <= this.now();
  }
}
