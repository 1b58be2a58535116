import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeiling, createBackoff } from './backoff.ts';

describe('backoff', () => {
  it('[C7] delays stay within [0, min(cap, base·2^attempt)) (full jitter)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { maxLength: 40 }),
        (draws) => {
          let i = 0;
          const backoff = createBackoff({
            random: () => draws[i++ % Math.max(1, draws.length)] ?? 0,
          });
          for (let attempt = 0; attempt < draws.length; attempt++) {
            const delay = backoff.next();
            expect(delay).toBeGreaterThanOrEqual(0);
            expect(delay).toBeLessThan(backoffCeiling(attempt));
          }
        },
      ),
      { seed: 0x5eed },
    );
  });

  it('[C7] the ceiling doubles from 0.5 s and stops at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeiling(a))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(backoffCeiling(1000)).toBe(30_000);
  });

  it('[C7] a retry-after from the server is honoured as a floor', () => {
    const backoff = createBackoff({ random: () => 0 });
    expect(backoff.next(1500)).toBe(1500);
    expect(backoff.next()).toBe(0);
  });

  it('[C7] reset starts the sequence over', () => {
    const backoff = createBackoff({ random: () => 0.99 });
    for (let i = 0; i < 10; i++) backoff.next();
    expect(backoff.attempts).toBe(10);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBeLessThan(500);
  });
});
