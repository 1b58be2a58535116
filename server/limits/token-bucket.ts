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
 * The bucket's state in fields and its methods on the prototype: every connection holds up to
 * three buckets, and an object of five fields is a fraction of the five closures and their
 * context that a closure-based bucket costs per instance (issue 14, memory per connection).
 */
class Bucket implements TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: Clock,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(cost = 1): boolean {
    this.refill();
    if (this.tokens >= cost || this.tokens >= this.burst) {
      this.tokens -= cost;
      return true;
    }
    return false;
  }

  retryAfterMs(cost = 1): number {
    this.refill();
    const needed = Math.min(cost, this.burst) - this.tokens;
    return needed <= 0 ? 0 : Math.ceil((needed * 1000) / this.ratePerSecond);
  }

  level(): number {
    this.refill();
    return this.tokens;
  }

  full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(
        this.burst,
        this.tokens + ((t - this.last) * this.ratePerSecond) / 1000,
      );
    }
    this.last = t;
  }
}
