import { describe, expect, it } from 'vitest';
import { createRing } from '../../ring/core/ring.ts';
import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import type { RingView } from '../../ring/etcd/types.ts';
import { holdersOf, possibleHolders } from './targets.ts';

function view(active: string[], epoch: number, extra: string[] = []): RingView {
  const members = new Map<string, MemberRecord>();
  for (const id of [...active, ...extra]) {
    members.set(id, {
      id,
      publicUrl: `ws://${id}`,
      internalUrl: `ws://${id}`,
      build: '1',
      protocol: { min: 1, max: 1 },
      state: active.includes(id) ? 'active' : 'draining',
      startedAt: 0,
    });
  }
  return { ring: createRing(active), epoch, members };
}

describe('holders of a document', () => {
  it('[N3] are the preference list without self, owner first', () => {
    const v = view(['a', 'b', 'c'], 1);
    for (let i = 0; i < 50; i++) {
      const doc = `doc-${i}`;
      const list = v.ring.preferenceList(doc, 2);
      expect(holdersOf(v, doc, 2, 'zzz').map((t) => t.id)).toEqual(list);
      expect(holdersOf(v, `${doc}/comments`, 2, list[0]!).map((t) => t.id)).toEqual(list.slice(1));
    }
  });

  it('[M4] after a member leaves, its replica is among the possible holders', () => {
    const before = view(['a', 'b', 'c'], 1);
    const after = view(['b', 'c'], 2);
    for (let i = 0; i < 50; i++) {
      const doc = `doc-${i}`;
      const [owner, replica] = before.ring.preferenceList(doc, 2);
      if (owner !== 'a') continue;
      const self = after.ring.ownerOf(doc)!;
      const ids = possibleHolders([before], after, doc, 2, self).map((t) => t.id);
      expect(ids).not.toContain('a');
      if (replica !== self) expect(ids).toContain(replica);
    }
  });

  it('[M1] after a join, the previous owner is a possible holder for the joiner', () => {
    const before = view(['a', 'b', 'c'], 1);
    const after = view(['a', 'b', 'c', 'd'], 2);
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      const doc = `doc-${i}`;
      if (after.ring.ownerOf(doc) !== 'd') continue;
      const ids = possibleHolders([before], after, doc, 2, 'd').map((t) => t.id);
      expect(ids).toContain(before.ring.ownerOf(doc));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
