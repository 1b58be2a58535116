import { describe, expect, it } from 'vitest';
import { concatSamples, median, quantileSorted, quantilesOf } from './stats.ts';

describe('stats', () => {
  it('nearest-rank quantiles of raw samples', () => {
    const q = quantilesOf(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(q).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(quantilesOf([]).count).toBe(0);
  });

  it('concatenates the samples of several processes', () => {
    expect([...concatSamples([new Float64Array([1, 2]), [3]])]).toEqual([1, 2, 3]);
  });

  it('median of an even count averages the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
