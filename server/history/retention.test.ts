import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETENTION,
  parseRetention,
  type RetainedVersion,
  versionsToDrop,
} from './retention.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = 400 * DAY;

function autoEvery(stepMs: number, count: number, newestAt = NOW): RetainedVersion[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `a${i}`,
    kind: 'auto' as const,
    at: newestAt - (count - 1 - i) * stepMs,
  }));
}

describe('retention (W6)', () => {
  it('[W6] keeps every automatic version of the last day', () => {
    expect(versionsToDrop(autoEvery(10 * 60_000, 100), NOW).size).toBe(0);
  });

  it('[W6] keeps one automatic version per hour between one and seven days old', () => {
    // Every 15 minutes from 6 days ago to 2 days ago (hour-aligned): 4 per hour.
    const versions = autoEvery(15 * 60_000, 4 * 24 * 4, NOW - 2 * DAY);
    versions.push({ id: 'newest', kind: 'auto', at: NOW });
    const drop = versionsToDrop(versions, NOW);
    const kept = versions.filter((v) => !drop.has(v.id) && v.id !== 'newest');
    const hours = new Set(versions.slice(0, -1).map((v) => Math.floor(v.at / HOUR)));
    expect(hours.size).toBeGreaterThanOrEqual(4 * 24);
    expect(kept).toHaveLength(hours.size);
    expect(new Set(kept.map((v) => Math.floor(v.at / HOUR))).size).toBe(hours.size);
    // The newest of each hour is the one kept.
    for (const v of kept) {
      const bucket = Math.floor(v.at / HOUR);
      const newest = Math.max(
        ...versions
          .slice(0, -1)
          .filter((w) => Math.floor(w.at / HOUR) === bucket)
          .map((w) => w.at),
      );
      expect(v.at).toBe(newest);
    }
  });

  it('[W6] never drops a named version, nor the newest version', () => {
    const versions: RetainedVersion[] = [
      { id: 'named-old', kind: 'named', at: NOW - 300 * DAY },
      ...autoEvery(60_000, 50, NOW - 30 * DAY - HOUR / 2),
      { id: 'named', kind: 'named', at: NOW - 30 * DAY },
      { id: 'auto-old', kind: 'auto', at: NOW - 20 * DAY },
    ];
    const drop = versionsToDrop(versions, NOW);
    expect(drop.has('named')).toBe(false);
    expect(drop.has('named-old')).toBe(false);
    expect(drop.has('auto-old')).toBe(false);
    // 50 automatic versions within one day bucket: the newest of them stays.
    expect(drop.size).toBe(49);
  });

  it('keeps the newest automatic version of each bucket', () => {
    const versions = autoEvery(60_000, 3, NOW - 3 * DAY + 30 * 60_000);
    versions.push({ id: 'newest', kind: 'auto', at: NOW });
    const drop = versionsToDrop(versions, NOW);
    expect([...drop].sort()).toEqual(['a0', 'a1']);
  });

  it('parses a policy in hours', () => {
    expect(parseRetention('24:0,168:1,2160:24,inf:168')).toEqual(DEFAULT_RETENTION);
    expect(() => parseRetention('24:x')).toThrow(RangeError);
    expect(() => parseRetention('48:1,24:1')).toThrow(RangeError);
  });
});
