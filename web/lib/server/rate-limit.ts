import { createTokenBucket, type TokenBucket } from '../../../server/limits/index.ts';
import { jsonError } from './http.ts';

/** A rate per key: `ratePerSecond` sustained, `burst` at once. */
export interface Rate {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/**
 * The web app's limits on its ticket and link endpoints (SECURITY.md), each with its reason:
 * - `ticket` per share link: a tab renews its ticket every few minutes, so even a link shared
 *   with a crowd needs far less than 2/s; more is a script minting tickets.
 * - `ticketAddress` per client address: one browser opens a handful of documents.
 * - `links` per document (create, list, revoke): the owner clicks; 60 at once covers a busy
 *   share dialog, 1/s after that.
 * - `linksAddress` per client address, across documents.
 * - `ensureAddress` per client address (`POST …/ensure`, which may create a document): every
 *   page load opens one document, so 2/s with a burst of 60 covers a person clicking through
 *   many; more is a script creating documents.
 */
export const WEB_RATES = {
  ticket: { ratePerSecond: 2, burst: 60 },
  ticketAddress: { ratePerSecond: 5, burst: 120 },
  links: { ratePerSecond: 1, burst: 60 },
  linksAddress: { ratePerSecond: 2, burst: 120 },
  ensureAddress: { ratePerSecond: 2, burst: 60 },
} as const satisfies Record<string, Rate>;

export type RateName = keyof typeof WEB_RATES;

/** Keyed token buckets; the least recently used keys are forgotten beyond `maxKeys`. */
export interface RateLimiter {
  /** Takes one token of `name` for `key`; `null` when allowed, else a 429 to return. */
  check(name: RateName, key: string): Response | null;
}

/** Creates the limiter (one per web process, held by the backend). */
export function createRateLimiter(
  options: {
    readonly now?: () => number;
    readonly maxKeys?: number;
    rates?: Record<RateName, Rate>;
  } = {},
): RateLimiter {
  const rates = options.rates ?? WEB_RATES;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, TokenBucket>();
  return {
    check(name, key) {
      const id = `${name}\u0000${key}`;
      let bucket = buckets.get(id);
      if (bucket) buckets.delete(id);
      else
        bucket = createTokenBucket({
          ...rates[name],
          ...(options.now ? { now: options.now } : {}),
        });
      buckets.set(id, bucket);
      while (buckets.size > maxKeys) {
        const oldest = buckets.keys().next().value;
        if (oldest === undefined) break;
        buckets.delete(oldest);
      }
      if (bucket.take()) return null;
      const response = jsonError(429, 'too many requests; try again shortly');
      response.headers.set(
        'retry-after',
        String(Math.max(1, Math.ceil(bucket.retryAfterMs() / 1000))),
      );
      return response;
    },
  };
}

/**
 * The client address as the web server reports it: the right-most `X-Forwarded-For` entry
 * (Next.js sets the header to the peer's address when the request has none; a reverse proxy
 * in front must overwrite it, see SECURITY.md), or `unknown`.
 */
export function clientAddressOf(request: Request): string {
  const hops = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  return hops.at(-1) ?? 'unknown';
}
