import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRing, EMPTY_RING, routingPoint } from '../../../ring/core/index.ts';
import { propertySeed } from '../../../ring/testing/index.ts';
import { arcContains, arcSpan, ownedArcs, ownershipShares, RING_SIZE } from './arcs.ts';

/** Replay a failing property with FC_SEED=<seed> (fast-check prints seed and path on failure). */
const fcSeed = { seed: propertySeed() };

const pool = ['n1', 'n2', 'n3', 'n4', 'n5', 'a', 'b'];
const memberSet = fc.subarray(pool, { minLength: 1 });
const vnodes = fc.integer({ min: 1, max: 32 });
const keys = fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 40 });

describe('ownedArcs', () => {
  it('[R2] the arcs cover every point of the ring exactly once', () => {
    fc.assert(
      fc.property(memberSet, vnodes, (ids, v) => {
        const arcs = ownedArcs(createRing(ids, { vnodes: v }));
        expect(arcs.reduce((sum, a) => sum + arcSpan(a), 0)).toBe(RING_SIZE);
        for (let k = 1; k < arcs.length; k++) expect(arcs[k]!.start).toBe(arcs[k - 1]!.end);
      }),
      fcSeed,
    );
  });

  it('[R1][R3] the arc holding a key’s routing point belongs to ring.ownerOf(key)', () => {
    fc.assert(
      fc.property(memberSet, vnodes, keys, (ids, v, ks) => {
        const ring = createRing(ids, { vnodes: v });
        const arcs = ownedArcs(ring);
        for (const key of [...ks, ...ks.map((k) => `${k}/comments`)]) {
          const holding = arcs.filter((a) => arcContains(a, routingPoint(key)));
          expect(holding.map((a) => a.owner)).toEqual([ring.ownerOf(key)]);
        }
      }),
      fcSeed,
    );
  });

  it('merges neighbours: no two adjacent arcs share an owner', () => {
    fc.assert(
      fc.property(memberSet, vnodes, (ids, v) => {
        const arcs = ownedArcs(createRing(ids, { vnodes: v }));
        if (arcs.length < 2) return;
        for (let k = 0; k < arcs.length; k++) {
          expect(arcs[k]!.owner).not.toBe(arcs[(k + 1) % arcs.length]!.owner);
        }
      }),
      fcSeed,
    );
  });

  it('gives a single member the whole ring and an empty ring no arc', () => {
    const [only] = ownedArcs(createRing(['n1'], { vnodes: 8 }));
    expect(only?.owner).toBe('n1');
    expect(only?.start).toBe(only?.end);
    expect(arcSpan(only!)).toBe(RING_SIZE);
    expect(ownedArcs(EMPTY_RING)).toEqual([]);
  });
});

describe('ownershipShares', () => {
  it('[R2] shares of the members sum to 1 and stay near 1/n with many vnodes', () => {
    const shares = ownershipShares(ownedArcs(createRing(['n1', 'n2', 'n3', 'n4'])));
    expect([...shares.keys()].sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect([...shares.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    for (const share of shares.values()) expect(share).toBeGreaterThan(0.2);
  });
});

describe('arcContains', () => {
  it('treats (start, end] as half-open, wrapping past 0, and equal ends as everything', () => {
    expect(arcContains({ start: 10, end: 20, owner: 'a' }, 10)).toBe(false);
    expect(arcContains({ start: 10, end: 20, owner: 'a' }, 20)).toBe(true);
    expect(arcContains({ start: 4_000_000_000, end: 5, owner: 'a' }, 0)).toBe(true);
    expect(arcContains({ start: 4_000_000_000, end: 5, owner: 'a' }, 6)).toBe(false);
    expect(arcContains({ start: 7, end: 7, owner: 'a' }, 123)).toBe(true);
  });
});
