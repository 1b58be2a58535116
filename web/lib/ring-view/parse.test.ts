import { describe, expect, it } from 'vitest';
import { parseSnapshot } from './parse.ts';
import type { RingSnapshot } from './types.ts';

const good: RingSnapshot = {
  epoch: 42,
  vnodes: 1024,
  ring: ['n1', 'n2'],
  members: [
    { id: 'n1', state: 'active', url: 'ws://a', build: '1', startedAt: 0, load: null },
    {
      id: 'n2',
      state: 'draining',
      url: 'ws://b',
      build: '1',
      startedAt: 0,
      load: { loaded: 1, stored: 2, connections: 3 },
    },
  ],
  documents: [{ id: 'd', loadedOn: ['n2'], storedOn: [] }],
  documentsTotal: 1,
};

describe('parseSnapshot', () => {
  it('accepts what the server sends', () => {
    expect(parseSnapshot(JSON.stringify(good))).toEqual(good);
  });

  it('refuses anything else without throwing', () => {
    expect(parseSnapshot('not json')).toBeNull();
    expect(parseSnapshot('[]')).toBeNull();
    expect(parseSnapshot(JSON.stringify({ ...good, epoch: -1 }))).toBeNull();
    expect(parseSnapshot(JSON.stringify({ ...good, vnodes: 0 }))).toBeNull();
    const badState = { ...good, members: [{ ...good.members[0], state: 'gone' }] };
    expect(parseSnapshot(JSON.stringify(badState))).toBeNull();
    const badLoad = { ...good, members: [{ ...good.members[0], load: { loaded: 'x' } }] };
    expect(parseSnapshot(JSON.stringify(badLoad))).toBeNull();
    const badDoc = { ...good, documents: [{ id: 'd', loadedOn: [1], storedOn: [] }] };
    expect(parseSnapshot(JSON.stringify(badDoc))).toBeNull();
  });
});
