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
 * second or so; the excess is refused with a retry-after spread over one to two times the time
 * the bucket needs to refill for it, so the storm is served over seconds instead of at once
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
  const random = options.random ?? Math.random;
  return {
    admit() {
      if (bucket.take()) return null;
      // Refusals take nothing from the bucket, so every refused client would come back at the
      // same moment: spread them over [wait, 2 × wait], wait ≥ 1 s.
      const wait = Math.max(bucket.retryAfterMs(), 1000);
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `this node is taking too many new connections (limit ${options.perSecond}/s); retry later`,
        retryAfterMs: Math.round(wait * (1 + random())),
      };
    },
  };
}
