import { CloseCode } from '../protocol/index.ts';
import type { Refusal } from './refusal.ts';
import { type Clock, createTokenBucket, type TokenBucket } from './token-bucket.ts';

export interface AddressLimiterOptions {
  readonly attemptsPerSecond: number;
  readonly burst: number;
  /** Addresses remembered at most; beyond, the least recently seen are forgotten. */
  readonly maxTracked: number;
  /** Addresses never metered (default {@link UNMETERED_ADDRESSES}). */
  readonly unmetered?: ReadonlySet<string>;
  readonly now?: Clock;
}

/**
 * `127.0.0.1` and `::1` are not metered: a reverse proxy on the same host (every client then
 * shares its address, so the proxy must meter clients itself), health checks and local
 * benchmarks connect from there. Other loopback addresses (`127.0.0.2`…) are metered.
 */
export const UNMETERED_ADDRESSES: ReadonlySet<string> = new Set([
  '127.0.0.1',
  '::1',
  '0000:0000:0000:0000:0000:0000:0000:0001',
]);

/** Meters new connections per remote address (P22). */
export interface AddressLimiter {
  /** Counts one connection attempt from `address`; a `Refusal` (4529) when over the limit. */
  attempt(address: string): Refusal | null;
  /** Addresses currently remembered. */
  readonly size: number;
}

/**
 * One token bucket per address, kept in least-recently-seen order. When more than
 * `maxTracked` addresses are remembered the oldest are forgotten (a forgotten address starts
 * again with a full bucket, so memory stays bounded however many addresses connect).
 */
export function createAddressLimiter(options: AddressLimiterOptions): AddressLimiter {
  const buckets = new Map<string, TokenBucket>();
  const unmetered = options.unmetered ?? UNMETERED_ADDRESSES;
  const make = () =>
    createTokenBucket({
      ratePerSecond: options.attemptsPerSecond,
      burst: options.burst,
      ...(options.now ? { now: options.now } : {}),
    });
  return {
    attempt(address) {
      if (unmetered.has(address)) return null;
      let bucket = buckets.get(address);
      if (bucket) buckets.delete(address);
      else bucket = make();
      buckets.set(address, bucket);
      while (buckets.size > options.maxTracked) {
        const oldest = buckets.keys().next().value as string;
        buckets.delete(oldest);
      }
      if (bucket.take()) return null;
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `too many connection attempts from ${address} (limit ${options.attemptsPerSecond}/s)`,
        retryAfterMs: Math.max(bucket.retryAfterMs(), 1000),
      };
    },
    get size() {
      return buckets.size;
    },
  };
}
