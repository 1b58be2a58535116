import { describe, expect, it } from 'vitest';
import { createRing, type MemberRecord, type RingView } from '../../ring/index.ts';
import { createOperatorCheck } from '../auth/operator.ts';
import type { HttpRequestHeaders } from '../transport/transport.ts';
import { createNodeRoutes } from './routes.ts';

const SECRET = 'cluster-secret-0123456789';
const TOKEN = 'operator-token-0123456789';
const none: HttpRequestHeaders = { authorization: '', origin: '', 'x-ringdoc-cluster-secret': '' };

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
      documents: async () => ({ loaded: ['secret-doc'], stored: ['secret-doc'] }),
      operators: createOperatorCheck({ clusterSecret: SECRET, operatorToken: TOKEN }),
      allowedOrigins: ['https://ops.example'],
    }),
  };
}

describe('/route', () => {
  it('[C2][N3] lists the owner and the replicas of the configured R (--replicas)', async () => {
    for (const replicas of [1, 2, 3]) {
      const { routes, view } = routesWith(replicas);
      const reply = await routes['/route/*']!('/route/doc-7', '', none);
      const body = JSON.parse(reply.body) as { owner: string; replicas: string[]; epoch: number };
      const expected = view.ring.preferenceList('doc-7', replicas);
      expect(body.owner).toBe(expected[0]);
      expect(body.replicas).toEqual(expected.slice(1));
      expect(body.replicas).toHaveLength(replicas - 1);
      expect(body.epoch).toBe(9);
    }
  });
});

describe('/docs', () => {
  it('answers 401 without the cluster secret or the operator token, and never lists ids then', async () => {
    const { routes } = routesWith(2);
    const docs = routes['/docs']!;
    for (const headers of [
      none,
      { ...none, authorization: 'Bearer wrong-token-0123456789' },
      { ...none, 'x-ringdoc-cluster-secret': 'wrong' },
      { ...none, authorization: `Basic ${TOKEN}` },
    ]) {
      const reply = await docs('/docs', '', headers);
      expect(reply.status).toBe(401);
      expect(reply.body).not.toContain('secret-doc');
    }
    for (const headers of [
      { ...none, authorization: `Bearer ${TOKEN}` },
      { ...none, 'x-ringdoc-cluster-secret': SECRET },
    ]) {
      const reply = await docs('/docs', '', headers);
      expect(reply.status).toBe(200);
      expect(reply.body).toContain('secret-doc');
    }
  });

  it('allows cross-origin reads only for configured origins', async () => {
    const { routes } = routesWith(2);
    const allowed = await routes['/healthz']!('/healthz', '', {
      ...none,
      origin: 'https://ops.example',
    });
    expect(allowed.headers?.['access-control-allow-origin']).toBe('https://ops.example');
    const foreign = await routes['/healthz']!('/healthz', '', {
      ...none,
      origin: 'https://evil.example',
    });
    expect(foreign.headers?.['access-control-allow-origin']).toBeUndefined();
  });
});
