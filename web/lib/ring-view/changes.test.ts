import { describe, expect, it } from 'vitest';
import { describeChange, membershipChanges } from './changes.ts';
import type { MemberState, RingSnapshot } from './types.ts';

function snap(epoch: number, members: [string, MemberState][]): RingSnapshot {
  return {
    epoch,
    vnodes: 8,
    ring: members.filter(([, s]) => s === 'active').map(([id]) => id),
    members: members.map(([id, state]) => ({
      id,
      state,
      url: `ws://${id}`,
      build: '0.1.0',
      startedAt: 0,
      load: null,
    })),
    documents: [],
    documentsTotal: 0,
  };
}

describe('membershipChanges', () => {
  it('reports nothing for the first snapshot', () => {
    expect(membershipChanges(null, snap(1, [['n1', 'active']]))).toEqual([]);
  });

  it('[M1][M2] reports joins, state changes and departures with the new epoch', () => {
    const before = snap(5, [
      ['n1', 'active'],
      ['n2', 'active'],
      ['n3', 'joining'],
    ]);
    const after = snap(9, [
      ['n1', 'active'],
      ['n2', 'draining'],
      ['n3', 'active'],
      ['n4', 'joining'],
    ]);
    const changes = membershipChanges(before, after);
    expect(changes).toEqual([
      { epoch: 9, member: 'n2', from: 'active', to: 'draining' },
      { epoch: 9, member: 'n3', from: 'joining', to: 'active' },
      { epoch: 9, member: 'n4', from: null, to: 'joining' },
    ]);
    expect(membershipChanges(after, snap(10, [['n1', 'active']])).map(describeChange)).toEqual([
      'n2 left',
      'n3 left',
      'n4 left',
    ]);
    expect(changes.map(describeChange)).toEqual([
      'n2 active → draining',
      'n3 joining → active',
      'n4 joined (joining)',
    ]);
  });

  it('reports nothing when only loads or documents changed', () => {
    const a = snap(4, [['n1', 'active']]);
    expect(membershipChanges(a, { ...a, documentsTotal: 3 })).toEqual([]);
  });
});
