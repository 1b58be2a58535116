import { describe, expect, it } from 'vitest';
import { createRing } from '../../../ring/core/index.ts';
import type { MemberRecord, MemberState, RingView } from '../../../ring/index.ts';
import { buildSnapshot } from './snapshot.ts';
import type { NodeProbe } from './types.ts';

function record(id: string, state: MemberState): MemberRecord {
  return {
    id,
    publicUrl: `ws://127.0.0.1:${4000 + Number(id.slice(1))}`,
    internalUrl: `ws://127.0.0.1:${4000 + Number(id.slice(1))}`,
    build: '0.1.0',
    protocol: { min: 1, max: 1 },
    state,
    startedAt: 1,
  };
}

function view(epoch: number, members: [string, MemberState][]): RingView {
  const records = members.map(([id, state]) => record(id, state));
  return {
    epoch,
    ring: createRing(
      records.filter((r) => r.state === 'active').map((r) => r.id),
      { vnodes: 16 },
    ),
    members: new Map(records.map((r) => [r.id, r])),
  };
}

const probe = (loaded: string[], stored: string[], connections = 0): NodeProbe => ({
  loaded,
  stored,
  connections,
});

describe('buildSnapshot', () => {
  it('lists every member with its state, sorted, and only active ones in the ring', () => {
    const snap = buildSnapshot(
      view(7, [
        ['n3', 'draining'],
        ['n1', 'active'],
        ['n4', 'joining'],
        ['n2', 'active'],
      ]),
      new Map(),
    );
    expect(snap.epoch).toBe(7);
    expect(snap.vnodes).toBe(16);
    expect(snap.ring).toEqual(['n1', 'n2']);
    expect(snap.members.map((m) => [m.id, m.state])).toEqual([
      ['n1', 'active'],
      ['n2', 'active'],
      ['n3', 'draining'],
      ['n4', 'joining'],
    ]);
    expect(snap.members[0]).toMatchObject({ url: 'ws://127.0.0.1:4001', build: '0.1.0' });
  });

  it('gives a node that did not answer no load, and ignores probes of departed members', () => {
    const snap = buildSnapshot(
      view(3, [
        ['n1', 'active'],
        ['n2', 'active'],
      ]),
      new Map([
        ['n1', probe(['a', 'b'], ['a', 'b', 'c'], 5)],
        ['n9', probe(['ghost'], ['ghost'])],
      ]),
    );
    expect(snap.members.map((m) => m.load)).toEqual([
      { loaded: 2, stored: 3, connections: 5 },
      null,
    ]);
    expect(snap.documents.map((d) => d.id)).toEqual(['a', 'b', 'c']);
  });

  it('merges where each document is held, sorted, and caps the list but counts them all', () => {
    const v = view(3, [
      ['n1', 'active'],
      ['n2', 'active'],
    ]);
    const probes = new Map([
      ['n2', probe(['d2'], ['d1', 'd2', 'd3'])],
      ['n1', probe(['d1'], ['d1'])],
    ]);
    const snap = buildSnapshot(v, probes);
    expect(snap.documents).toEqual([
      { id: 'd1', loadedOn: ['n1'], storedOn: ['n1', 'n2'] },
      { id: 'd2', loadedOn: ['n2'], storedOn: ['n2'] },
      { id: 'd3', loadedOn: [], storedOn: ['n2'] },
    ]);
    const capped = buildSnapshot(v, probes, { maxDocuments: 2 });
    expect(capped.documents.map((d) => d.id)).toEqual(['d1', 'd2']);
    expect(capped.documentsTotal).toBe(3);
  });

  it('serialises equal pictures to equal JSON, whatever order the probes came in', () => {
    const v = view(3, [
      ['n1', 'active'],
      ['n2', 'active'],
    ]);
    const a = buildSnapshot(
      v,
      new Map([
        ['n1', probe(['x', 'y'], ['y', 'x'])],
        ['n2', probe([], ['x'])],
      ]),
    );
    const b = buildSnapshot(
      v,
      new Map([
        ['n2', probe([], ['x'])],
        ['n1', probe(['y', 'x'], ['x', 'y'])],
      ]),
    );
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
