import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../testing/seed.ts';
import {
  buildBucketIndex,
  buildContinuum,
  normalizeMembers,
  successorIndex,
  vnodePoint,
} from './continuum.ts';

/** Replay a failing property with FC_SEED=<seed> (fast-check prints seed and path on failure). */
const fcSeed = { seed: propertySeed() };

const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Reference: first index with points[i] >= hash by linear scan, wrapping to 0. */
function linearSuccessor(points: Uint32Array, hash: number): number {
  const i = points.findIndex((p) => p >= hash);
  return Math.max(i, 0);
}

describe('continuum', () => {
  it('[R2] bucket-index successor equals a linear scan, at and around every point', () => {
    fc.assert(
      fc.property(
        fc.array(u32, { maxLength: 400 }),
        fc.array(u32, { maxLength: 50 }),
        (raw, probes) => {
          const points = Uint32Array.from(raw).sort();
          const index = buildBucketIndex(points);
          const hashes = [
            ...probes,
            0,
            0xffffffff,
            ...[...points].flatMap((p) => [p, (p + 1) >>> 0, (p - 1) >>> 0]),
          ];
          const wrong = hashes.filter(
            (h) => successorIndex(points, index, h) !== linearSuccessor(points, h),
          );
          expect(wrong).toEqual([]);
        },
      ),
      { ...fcSeed, numRuns: 200 },
    );
  });

  it('[R2] clustered points (many per bucket) are still found', () => {
    const points = Uint32Array.from({ length: 300 }, (_, i) => 0x80000000 + i * 3);
    const index = buildBucketIndex(points);
    for (const h of [0, 0x80000000, 0x80000001, 0x80000000 + 897, 0x80000000 + 898, 0xffffffff]) {
      expect(successorIndex(points, index, h)).toBe(linearSuccessor(points, h));
    }
  });

  it('[R1] points ascend, each member has exactly vnodes points, owners match vnodePoint', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        (ids, vnodes) => {
          const members = normalizeMembers(ids);
          const c = buildContinuum(members, vnodes);
          expect(c.points.length).toBe(members.length * vnodes);
          const expected = members
            .flatMap((id, m) => Array.from({ length: vnodes }, (_, i) => [vnodePoint(id, i), m]))
            .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
          expect([...c.points]).toEqual(expected.map((e) => e[0]));
          expect([...c.owners]).toEqual(expected.map((e) => e[1]));
        },
      ),
      { ...fcSeed, numRuns: 100 },
    );
  });

  it('an empty continuum has no points and successor 0', () => {
    const c = buildContinuum([], 160);
    expect(c.points.length).toBe(0);
    expect(successorIndex(c.points, buildBucketIndex(c.points), 123)).toBe(0);
  });
});
