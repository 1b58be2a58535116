import { describe, expect, it } from 'vitest';
import { pickFailover } from './failover.ts';

const members = [
  { id: 'n1', url: 'http://127.0.0.1:4001', state: 'active' },
  { id: 'n2', url: 'ws://127.0.0.1:4002/', state: 'active' },
  { id: 'n3', url: 'ws://127.0.0.1:4003', state: 'draining' },
  { id: 'n4', url: 'ws://127.0.0.1:4004', state: 'active' },
];

describe('pickFailover (P30)', () => {
  it('[P30] goes to the next active member after the lost one, naming it as suspect', () => {
    expect(pickFailover(members, { node: 'n2', url: 'ws://127.0.0.1:4002' })).toEqual({
      url: 'ws://127.0.0.1:4004',
      suspect: 'n2',
    });
    expect(pickFailover(members, { node: 'n4', url: 'ws://127.0.0.1:4004' })).toEqual({
      url: 'ws://127.0.0.1:4001',
      suspect: 'n4',
    });
  });

  it('[P30] a node never heard from is found by its URL', () => {
    expect(pickFailover(members, { node: null, url: 'ws://127.0.0.1:4001' })).toEqual({
      url: 'ws://127.0.0.1:4002',
      suspect: 'n1',
    });
  });

  it('[P30] nothing when the lost node is unknown or no other member is active', () => {
    expect(pickFailover(members, { node: null, url: 'ws://10.0.0.1:1' })).toBeNull();
    expect(pickFailover([members[0]!], { node: 'n1', url: 'ws://127.0.0.1:4001' })).toBeNull();
  });

  it('[P34] skips the members lost before (the dead provisional holder too)', () => {
    expect(
      pickFailover(members, { node: 'n2', url: 'ws://127.0.0.1:4002', suspects: ['n4'] }),
    ).toEqual({ url: 'ws://127.0.0.1:4001', suspect: 'n2' });
  });
});
