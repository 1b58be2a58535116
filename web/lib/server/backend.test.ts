import { describe, expect, it } from 'vitest';
import { createRing, type MemberRecord, type RingView, routingKey } from '../../../ring/index.ts';
import { routeInView } from './backend.ts';

const member = (
  id: string,
  port: number,
  state: MemberRecord['state'] = 'active',
): MemberRecord => ({
  id,
  publicUrl: `http://127.0.0.1:${port}`,
  internalUrl: `ws://127.0.0.1:${port}`,
  build: '1',
  protocol: { min: 1, max: 1 },
  state,
  startedAt: 0,
});

describe('route look-up', () => {
  it('[R1][C2] the owner is the ring owner of the routing key, with its ws URL', () => {
    const members = [member('n1', 1), member('n2', 2), member('n3', 3, 'joining')];
    const view: RingView = {
      ring: createRing(['n1', 'n2']),
      epoch: 12,
      members: new Map(members.map((m) => [m.id, m])),
    };
    const route = routeInView(view, 'doc-a');
    const owner = view.ring.ownerOf(routingKey('doc-a'));
    expect(route.owner).toBe(owner);
    expect(route.url).toBe(`ws://127.0.0.1:${owner === 'n1' ? 1 : 2}`);
    expect(route.epoch).toBe(12);
    expect(route.members.map((m) => [m.id, m.state])).toEqual([
      ['n1', 'active'],
      ['n2', 'active'],
      ['n3', 'joining'],
    ]);
  });

  it('[C2] an empty ring has no owner and no URL', () => {
    const route = routeInView({ ring: createRing([]), epoch: 1, members: new Map() }, 'x');
    expect(route).toEqual({ owner: null, url: null, epoch: 1, members: [] });
  });
});
