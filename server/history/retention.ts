/**
 * Retention of automatic versions (W6): named versions and the newest version are always
 * kept; automatic ones are thinned with age, keeping the newest of each time bucket.
 */
export interface RetentionTier {
  /** Applies to automatic versions younger than this (ms); `Infinity` for the last tier. */
  readonly upToAgeMs: number;
  /** Keep the newest automatic version per bucket of this many ms; 0 keeps every one. */
  readonly everyMs: number;
}

export type RetentionPolicy = readonly RetentionTier[];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Default: every automatic version of the last 24 h, then one per hour for 7 days, one per
 * day for 90 days, one per week after that (nothing is ever dropped for age alone).
 */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze([
  { upToAgeMs: DAY, everyMs: 0 },
  { upToAgeMs: 7 * DAY, everyMs: HOUR },
  { upToAgeMs: 90 * DAY, everyMs: DAY },
  { upToAgeMs: Number.POSITIVE_INFINITY, everyMs: 7 * DAY },
]);

/**
 * Parses `--history-retention`: comma-separated `age:every` pairs in hours (e.g.
 * `24:0,168:1,2160:24,inf:168`). Throws `RangeError` on anything else.
 */
export function parseRetention(text: string): RetentionPolicy {
  const tiers = text.split(',').map((part) => {
    const [age, every] = part.split(':');
    const upTo = age === 'inf' ? Number.POSITIVE_INFINITY : Number(age);
    const each = Number(every);
    if (!(upTo > 0) || !(each >= 0) || !Number.isFinite(each)) {
      throw new RangeError(`bad retention tier ${JSON.stringify(part)} (want hours:hours)`);
    }
    return { upToAgeMs: upTo * HOUR, everyMs: each * HOUR };
  });
  for (let i = 1; i < tiers.length; i++) {
    if ((tiers[i] as RetentionTier).upToAgeMs <= (tiers[i - 1] as RetentionTier).upToAgeMs)
      throw new RangeError('retention tiers must have increasing ages');
  }
  return tiers;
}

/** What retention looks at of a version. */
export interface RetainedVersion {
  readonly id: string;
  readonly kind: 'auto' | 'named';
  readonly at: number;
}

/**
 * The ids of the automatic versions `policy` no longer keeps at `now` (versions oldest first).
 * Never includes a named version or the newest version; automatic versions older than the
 * last tier are kept. Pure.
 */
export function versionsToDrop(
  versions: readonly RetainedVersion[],
  now: number,
  policy: RetentionPolicy = DEFAULT_RETENTION,
): Set<string> {
  const drop = new Set<string>();
  const keptBuckets = new Set<string>();
  for (let i = versions.length - 2; i >= 0; i--) {
    const v = versions[i] as RetainedVersion;
    if (v.kind === 'named') continue;
    const age = Math.max(0, now - v.at);
    const tierIndex = policy.findIndex((t) => age < t.upToAgeMs);
    if (tierIndex < 0) continue;
    const tier = policy[tierIndex] as RetentionTier;
    if (tier.everyMs <= 0) continue;
    const bucket = `${tierIndex}:${Math.floor(v.at / tier.everyMs)}`;
    if (keptBuckets.has(bucket)) drop.add(v.id);
    else keptBuckets.add(bucket);
  }
  return drop;
}
