import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../testing/seed.ts';
import { diffRings, movedKeys, rangeContainsKey, rangeContainsPoint } from './diff.ts';
import { murmur3 } from './hash.ts';
import { createRing, EMPTY_RING } from './ring.ts';
import type { MovedRange, Ring } from './types.ts';

/** Replay a failing property with FC_SEED=<seed> (fast-check prints seed and path on failure). */
const fcSeed = { seed: propertySeed() };

const pool = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const memberSet = fc.subarray(pool);
const vnodes = fc.integer({ min: 1, max: 24 });

/** Brute force: which range (if any) holds the key's point, and do owners agree with it? */
function disagreements(before: Ring, after: Ring, ranges: MovedRange[], keys: string[]): string[] {
  return keys.filter((key) => {
    const from = before.ownerOf(key);
    const to = after.ownerOf(key);
    const holding = ranges.filter((r) => rangeContainsKey(r, key));
    if (from === to) return holding.length !== 0;
    return holding.length !== 1 || holding[0]!.from !== from || holding[0]!.to !== to;
  });
}

/** Points where the brute-force owner can change: every vnode point of both rings, ±1. */
function boundaryProbes(ring: Ring): number[] {
  const out: number[] = [];
  for (const id of ring.members) {
    for (let i = 0; i < ring.vnodes; i++) {
      const p = murmur3(`${id}#${i}`);
      out.push(p, (p + 1) >>> 0, (p - 1) >>> 0);
    }
  }
  return out;
}

describe('diffRings', () => {
  it('[R2] agrees with a brute-force per-key comparison on random keys', () => {
    fc.assert(
      fc.property(
        memberSet,
        memberSet,
        vnodes,
        vnodes,
        fc.array(fc.string(), { maxLength: 300 }),
        (ma, mb, va, vb, keys) => {
          const before = createRing(ma, { vnodes: va });
          const after = createRing(mb, { vnodes: vb });
          const ranges = diffRings(before, after);
          expect(disagreements(before, after, ranges, keys)).toEqual([]);
        },
      ),
      { ...fcSeed, numRuns: 200 },
    );
  });

  it('[R2] ranges are disjoint, ordered by end, and maximal (no mergeable neighbours)', () => {
    fc.assert(
      fc.property(memberSet, memberSet, vnodes, (ma, mb, v) => {
        const ranges = diffRings(createRing(ma, { vnodes: v }), createRing(mb, { vnodes: v }));
        const sameMove = (x: MovedRange, y: MovedRange) => x.from === y.from && x.to === y.to;
        const bad = ranges.filter((r, k) => {
          if (r.from === r.to) return true;
          const next = ranges[k + 1];
          if (next === undefined) return false;
          return (
            next.end <= r.end || next.start < r.end || (next.start === r.end && sameMove(r, next))
          );
        });
        expect(bad).toEqual([]);
        const first = ranges[0];
        const last = ranges[ranges.length - 1];
        if (ranges.length > 1 && first && last && last.end === first.start) {
          expect(sameMove(first, last)).toBe(false);
        }
      }),
      { ...fcSeed, numRuns: 200 },
    );
  });

  it('[R2] is exact at every point boundary (p−1, p, p+1 of every vnode)', () => {
    fc.assert(
      fc.property(memberSet, memberSet, vnodes, (ma, mb, v) => {
        const before = createRing(ma, { vnodes: v });
        const after = createRing(mb, { vnodes: v });
        const ranges = diffRings(before, after);
        const ownerAt = (ring: Ring, point: number): string | null => {
          // Owner of a raw point, by brute force over every vnode.
          let best: { p: number; id: string } | null = null;
          let min: { p: number; id: string } | null = null;
          for (const id of ring.members) {
            for (let i = 0; i < ring.vnodes; i++) {
              const p = murmur3(`${id}#${i}`);
              const better = (c: { p: number; id: string } | null) =>
                c === null || p < c.p || (p === c.p && id < c.id);
              if (p >= point && better(best)) best = { p, id };
              if (better(min)) min = { p, id };
            }
          }
          return (best ?? min)?.id ?? null;
        };
        const wrong = [...boundaryProbes(before), ...boundaryProbes(after), 0, 0xffffffff].filter(
          (point) => {
            const from = ownerAt(before, point);
            const to = ownerAt(after, point);
            const holding = ranges.filter((r) => rangeContainsPoint(r, point));
            if (from === to) return holding.length !== 0;
            return holding.length !== 1 || holding[0]!.from !== from || holding[0]!.to !== to;
          },
        );
        expect(wrong).toEqual([]);
      }),
      { ...fcSeed, numRuns: 60 },
    );
  });

  it('[R2] a join only yields ranges to the joiner; a leave only ranges from the leaver', () => {
    const three = createRing(['n1', 'n2', 'n3']);
    const four = createRing(['n1', 'n2', 'n3', 'n4']);
    const join = diffRings(three, four);
    expect(join.length).toBeGreaterThan(0);
    expect(new Set(join.map((r) => r.to))).toEqual(new Set(['n4']));
    const leave = diffRings(four, three);
    expect(new Set(leave.map((r) => r.from))).toEqual(new Set(['n4']));
    expect(leave.map((r) => [r.start, r.end])).toEqual(join.map((r) => [r.start, r.end]));
  });

  it('[R1] identical member sets give no ranges', () => {
    expect(diffRings(createRing(['x', 'y']), createRing(['y', 'x', 'y']))).toEqual([]);
    expect(diffRings(EMPTY_RING, createRing([]))).toEqual([]);
  });

  it('empty → one member is the whole ring from null (start === end)', () => {
    const ranges = diffRings(EMPTY_RING, createRing(['solo'], { vnodes: 4 }));
    expect(ranges).toHaveLength(1);
    const [whole] = ranges;
    expect(whole!.start).toBe(whole!.end);
    expect([whole!.from, whole!.to]).toEqual([null, 'solo']);
    expect(rangeContainsPoint(whole!, 0)).toBe(true);
    expect(rangeContainsPoint(whole!, 0xffffffff)).toBe(true);
  });

  it('[R1] a tied point moves to the other member when the tie winner leaves', () => {
    // murmur3('m818#82') === murmur3('m992#53'): the arc ending there belongs to m818 first.
    const point = murmur3('m818#82');
    const ranges = diffRings(createRing(['m818', 'm992']), createRing(['m992']));
    const holding = ranges.filter((r) => rangeContainsPoint(r, point));
    expect(holding).toHaveLength(1);
    expect([holding[0]!.from, holding[0]!.to]).toEqual(['m818', 'm992']);
  });
});

describe('rangeContainsPoint', () => {
  it('treats (start, end] as half-open and wraps when start > end', () => {
    const plain: MovedRange = { start: 10, end: 20, from: 'a', to: 'b' };
    expect([9, 10, 11, 20, 21].map((p) => rangeContainsPoint(plain, p))).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
    const wrap: MovedRange = { start: 0xfffffff0, end: 5, from: 'a', to: 'b' };
    expect(
      [0xfffffff0, 0xfffffff1, 0xffffffff, 0, 5, 6].map((p) => rangeContainsPoint(wrap, p)),
    ).toEqual([false, true, true, true, true, false]);
  });
});

describe('movedKeys', () => {
  it('[R3] lists exactly the keys whose owner changed, sub-rooms with their document', () => {
    const before = createRing(['n1', 'n2', 'n3']);
    const after = createRing(['n1', 'n2', 'n3', 'n4']);
    const keys = Array.from({ length: 2000 }, (_, i) => `doc-${i}`);
    const moved = movedKeys(before, after, keys);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((m) => m.to === 'n4' && m.from === before.ownerOf(m.key))).toBe(true);
    const movedSet = new Set(moved.map((m) => m.key));
    expect(keys.filter((k) => before.ownerOf(k) !== after.ownerOf(k))).toEqual([...movedSet]);
    const subs = movedKeys(
      before,
      after,
      keys.map((k) => `${k}/comments`),
    );
    expect(subs.map((m) => m.key.split('/')[0])).toEqual([...movedSet]);
    expect(movedKeys(EMPTY_RING, before, ['x'])).toEqual([
      { key: 'x', from: null, to: before.ownerOf('x') },
    ]);
  });
});
