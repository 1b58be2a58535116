import { describe, expect, it } from 'vitest';
import { createRing, EMPTY_RING, routingPoint } from '../../../ring/core/index.ts';
import { placeDocuments } from './documents.ts';
import { pointAngle } from './geometry.ts';

const circle = { cx: 200, cy: 200, r: 100 };
const doc = (id: string, loadedOn: string[] = [], storedOn: string[] = []) => ({
  id,
  loadedOn,
  storedOn,
});

describe('placeDocuments', () => {
  it('[R3] places a document at its routing point with its ring owner', () => {
    const ring = createRing(['n1', 'n2', 'n3'], { vnodes: 64 });
    const [placed] = placeDocuments([doc('notes', ['n1'], ['n1'])], ring, {
      circle,
      dotRadius: 4,
    });
    const angle = pointAngle(routingPoint('notes'));
    expect(placed?.point).toBe(routingPoint('notes'));
    expect(placed?.owner).toBe(ring.ownerOf('notes'));
    expect(placed?.x).toBeCloseTo(200 + 100 * Math.sin(angle), 1);
    expect(placed?.y).toBeCloseTo(200 - 100 * Math.cos(angle), 1);
  });

  it('[R3] a sub-room sits on its document’s point', () => {
    const ring = createRing(['n1', 'n2']);
    const placed = placeDocuments([doc('d1'), doc('d1/comments')], ring, {
      circle,
      dotRadius: 4,
    });
    expect(placed[0]?.point).toBe(placed[1]?.point);
    expect(placed[0]?.owner).toBe(placed[1]?.owner);
  });

  it('moves dots that would overlap to outer lanes, three at one point use three lanes', () => {
    // Three ids at one point: sub-rooms of one document.
    const crowd = ['x/1', 'x/2', 'x/3'].map((id) => doc(id));
    const placed = placeDocuments(crowd, EMPTY_RING, { circle, dotRadius: 4, maxLanes: 3 });
    expect(placed.map((p) => p.lane).sort()).toEqual([0, 1, 2]);
    const spots = new Set(placed.map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(3);
  });

  it('flags documents only held by non-owners as misplaced, and disk-only ones as not loaded', () => {
    const ring = createRing(['n1', 'n2', 'n3'], { vnodes: 64 });
    const owner = ring.ownerOf('doc-a')!;
    const other = ['n1', 'n2', 'n3'].find((id) => id !== owner)!;
    const [moving] = placeDocuments([doc('doc-a', [], [other])], ring, { circle, dotRadius: 4 });
    expect(moving).toMatchObject({ misplaced: true, loaded: false });
    const [home] = placeDocuments([doc('doc-a', [owner], [owner, other])], ring, {
      circle,
      dotRadius: 4,
    });
    expect(home).toMatchObject({ misplaced: false, loaded: true });
  });

  it('has no owner on an empty ring', () => {
    const [placed] = placeDocuments([doc('lonely', ['n9'])], EMPTY_RING, { circle, dotRadius: 4 });
    expect(placed).toMatchObject({ owner: null, misplaced: false });
  });
});
