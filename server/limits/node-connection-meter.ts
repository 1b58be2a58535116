import { CloseCode } from '../protocol/index.ts';
import type { Refusal } from './refusal.ts';
import { type Clock, createTokenBucket } from './token-bucket.ts';

export interface NodeConnectionMeterOptions {
  readonly perSecond: number;
  readonly burst: number;
  readonly now?: Clock;
  /** A number in [0, 1) (default `Math.random`): spreads the retry-after of refused clients. */
  readonly random?: () => number;
}

/** Meters new connections to the whole node, whatever their address (DESIGN C7). */
export interface NodeConnectionMeter {
  /** Counts one new connection; a `Refusal` (4529 with a retry-after) over the node's rate. */
  admit(): Refusal | null;
}

/**
 * One token bucket for the node. When a neighbour dies all of its tabs reconnect here within a
 * second or so; the excess is refused with a retry-after that gives each refused client its own
 * slot at the bucket's rate, after at least one second: refusal n comes back about n / rate
 * later than the first (plus a jitter within its slot), so the storm is served at the metered
 * rate over the next seconds instead of returning as one wave that is mostly refused again
 * (every refused tab reconnects no sooner than its retry-after, C7).
 */
export function createNodeConnectionMeter(
  options: NodeConnectionMeterOptions,
): NodeConnectionMeter {
  const bucket = createTokenBucket({
    ratePerSecond: options.perSecond,
    burst: options.burst,
    ...(options.now ? { now: options.now } : {}),
  });
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const slotMs = 1000 / options.perSecond;
  /** The end of the last slot handed to a refused client (ms, `now`'s clock). */
  let reservedUntil = Number.NEGATIVE_INFINITY;
  return {
    admit() {
      if (bucket.take()) return null;
      const t = now();
      const slot = Math.max(t + Math.max(bucket.retryAfterMs(), 1000), reservedUntil);
      reservedUntil = slot + slotMs;
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `this node is taking too many new connections (limit ${options.perSecond}/s); retry later`,
        retryAfterMs: Math.round(slot - t + random() * slotMs),
      };
    },
  };
}
