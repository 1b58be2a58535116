import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../../ring/testing/seed.ts';
import { createTokenBucket } from './token-bucket.ts';

const SEED = propertySeed();

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('token bucket', () => {
  it('[P22] starts full, refuses past the burst, refills at the rate', () => {
    const c = clock();
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 3, now: c.now });
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.retryAfterMs()).toBe(100);
    c.advance(99);
    expect(bucket.take()).toBe(false);
    c.advance(1);
    expect(bucket.take()).toBe(true);
    c.advance(10_000);
    expect(bucket.level()).toBe(3);
    expect(bucket.full()).toBe(true);
  });

  it('[P22] a cost above the burst passes only from a full bucket and leaves it in debt', () => {
    const c = clock();
    const bucket = createTokenBucket({ ratePerSecond: 100, burst: 10, now: c.now });
    expect(bucket.take(25)).toBe(true);
    expect(bucket.level()).toBe(-15);
    expect(bucket.take(1)).toBe(false);
    expect(bucket.retryAfterMs(1)).toBe(160);
    c.advance(160);
    expect(bucket.take(1)).toBe(true);
    expect(bucket.take(25)).toBe(false);
  });

  it('[P22] never grants more than burst + rate × elapsed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 5 })), {
          maxLength: 200,
        }),
        (rate, burst, steps) => {
          const c = clock();
          const bucket = createTokenBucket({ ratePerSecond: rate, burst, now: c.now });
          let granted = 0;
          let elapsed = 0;
          for (const [wait, cost] of steps) {
            c.advance(wait);
            elapsed += wait;
            if (cost <= burst && bucket.take(cost)) granted += cost;
          }
          expect(granted).toBeLessThanOrEqual(burst + (rate * elapsed) / 1000 + 1e-6);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('[P22] refuses a non-positive rate or burst', () => {
    expect(() => createTokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => createTokenBucket({ ratePerSecond: 1, burst: -1 })).toThrow(RangeError);
  });
});
