import { describe, expect, it } from 'vitest';
import { createRing, type MemberRecord, type RingView } from '../../ring/index.ts';
import { createNodeRoutes } from './routes.ts';

const member = (id: string): MemberRecord => ({
  id,
  publicUrl: `ws://${id}.example:4000`,
  internalUrl: `ws://${id}.internal:4000`,
  build: '1',
  protocol: { min: 1, max: 1 },
  state: 'active',
  startedAt: 0,
});

function routesWith(replicas: number) {
  const ids = ['n1', 'n2', 'n3', 'n4'];
  const view: RingView = {
    ring: createRing(ids),
    epoch: 9,
    members: new Map(ids.map((id) => [id, member(id)])),
  };
  return {
    view,
    routes: createNodeRoutes({
      id: 'n1',
      replicas,
      view: () => view,
      notReadyReason: () => null,
      metricsText: () => '',
      stats: () => ({}),
      documents: async () => ({ loaded: [], stored: [] }),
    }),
  };
}

describe('/route', () => {
  it('[C2][N3] lists the owner and the replicas of the configured R (--replicas)', async () => {
    for (const replicas of [1, 2, 3]) {
      const { routes, view } = routesWith(replicas);
      const reply = await routes['/route/*']!('/route/doc-7', '');
      const body = JSON.parse(reply.body) as { owner: string; replicas: string[]; epoch: number };
      const expected = view.ring.preferenceList('doc-7', replicas);
      expect(body.owner).toBe(expected[0]);
      expect(body.replicas).toEqual(expected.slice(1));
      expect(body.replicas).toHaveLength(replicas - 1);
      expect(body.epoch).toBe(9);
    }
  });
});
