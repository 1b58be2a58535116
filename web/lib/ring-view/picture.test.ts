import { describe, expect, it } from 'vitest';
import { createRing, routingPoint } from '../../../ring/core/index.ts';
import { arcContains } from './arcs.ts';
import { describePicture, pendingArcs, ringPicture } from './picture.ts';
import type { MemberState, RingSnapshot } from './types.ts';

function snap(members: [string, MemberState][], docs: string[]): RingSnapshot {
  return {
    epoch: 12,
    vnodes: 32,
    ring: members.filter(([, s]) => s === 'active').map(([id]) => id),
    members: members.map(([id, state]) => ({
      id,
      state,
      url: `ws://${id}`,
      build: '0.1.0',
      startedAt: 0,
      load: null,
    })),
    documents: docs.map((id) => ({ id, loadedOn: [], storedOn: [] })),
    documentsTotal: docs.length,
  };
}

describe('ringPicture', () => {
  const s = snap(
    [
      ['n1', 'active'],
      ['n2', 'active'],
      ['n3', 'draining'],
    ],
    ['alpha', 'beta', 'gamma'],
  );
  const picture = ringPicture(s);

  it('[R1] draws arcs for active members only, and colours every member', () => {
    expect([...picture.paths.keys()].sort()).toEqual(['n1', 'n2']);
    expect([...picture.colours.keys()]).toEqual(['n1', 'n2', 'n3']);
  });

  it('[R3] every document dot sits in an arc of its owner', () => {
    for (const d of picture.documents) {
      const arc = picture.arcs.find((a) => arcContains(a, routingPoint(d.id)));
      expect(arc?.owner).toBe(d.owner);
    }
  });

  it('[M1][M2] shows a non-active member the arcs it would own, and nothing for active ones', () => {
    expect([...picture.pending.keys()]).toEqual(['n3']);
    const arcs = pendingArcs(['n1', 'n2'], 'n3', 32);
    const withN3 = createRing(['n1', 'n2', 'n3'], { vnodes: 32 });
    for (const key of ['alpha', 'beta', 'gamma', 'delta', 'k1', 'k2', 'k3', 'k4']) {
      const inPending = arcs.some((a) => arcContains(a, routingPoint(key)));
      expect(inPending).toBe(withN3.ownerOf(key) === 'n3');
    }
    expect(pendingArcs(['n1', 'n2'], 'n1', 32)).toEqual([]);
  });

  it('describes the picture in words for screen readers', () => {
    const text = describePicture(s, picture);
    expect(text).toMatch(/^Epoch 12: 2 active members share the ring \(n1 \d+%, n2 \d+%\)/);
    expect(text).toContain('n3 draining');
    expect(text).toContain('3 documents');
    expect(describePicture(snap([['n1', 'joining']], []), ringPicture(snap([], [])))).toContain(
      'the ring is empty',
    );
  });
});
