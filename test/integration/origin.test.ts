import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../server/protocol/index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { RawClient } from '../harness/raw-client.ts';

let cluster: Cluster;
const clients: RawClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    nodes: 1,
    nodeArgs: ['--allowed-origins', 'https://docs.example'],
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('Origin allowlist', () => {
  it('[C1] a browser origin outside the allowlist is refused with forbidden; an allowed one and a non-browser client (no Origin) sync', async () => {
    const url = cluster.nodes[0]!.url;
    const evil = new RawClient(url, 'origin-doc', { origin: 'https://evil.example' });
    clients.push(evil);
    await evil.opened();
    expect((await evil.waitClosed()).code).toBe(CloseCode.FORBIDDEN);
    expect(evil.frame('notice')?.reason).toMatch(/origin/);
    const good = new RawClient(url, 'origin-doc', { origin: 'https://docs.example' });
    clients.push(good);
    await good.opened();
    await good.waitSynced();
    const script = new RawClient(url, 'origin-doc');
    clients.push(script);
    await script.opened();
    await script.waitSynced();
  });
});
