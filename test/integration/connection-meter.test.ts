import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../server/protocol/index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { waitFor } from '../harness/node-process.ts';
import { RawClient } from '../harness/raw-client.ts';

/**
 * C7 on a real node: new connections to the whole node are metered, whatever their address
 * (here all from 127.0.0.1, which the per-address limit never meters), so a neighbour's death
 * does not become a reconnect storm. The node admits 4 at once and 1 per second after.
 */
let cluster: Cluster;
const clients: RawClient[] = [];

function connect(docId: string): RawClient {
  const c = new RawClient(cluster.node('n1').url, docId);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  cluster = await startCluster({
    nodes: 1,
    leaseTtl: 5,
    nodeArgs: ['--limits', 'nodeConnectionsPerSecond=1,nodeConnectionBurst=4'],
  });
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
}, 60_000);

describe('[C7] node-wide connection metering', () => {
  it('[C7] a storm of new connections: the excess gets 4529 with a retry-after, connected editors keep saving, a retry after it is admitted', async () => {
    const docId = `storm-${Date.now().toString(36)}`;
    const editors = [connect(docId), connect(docId)];
    for (const e of editors) {
      await e.opened();
      await e.waitSynced();
    }

    // The bucket holds at most 4 (the burst) and gains 1 per second: however slowly this
    // machine opens the storm, no more than 4 + the seconds it took are admitted.
    const started = Date.now();
    const storm = Array.from({ length: 20 }, () => connect(docId));
    await Promise.all(storm.map((c) => c.opened().catch(() => {})));
    await waitFor('the storm is answered', () =>
      storm.every((c) => c.closeCode !== null || c.synced),
    );
    const seconds = Math.ceil((Date.now() - started) / 1000);
    const refused = storm.filter((c) => c.closeCode === CloseCode.RATE_LIMITED);
    expect(storm.length - refused.length).toBeLessThanOrEqual(4 + seconds);
    expect(refused.length).toBeGreaterThan(0);
    const notice = refused[0]!.frame('notice');
    expect(notice?.reason).toMatch(/too many new connections/);
    expect(notice?.retryAfterMs).toBeGreaterThanOrEqual(1000);
    for (const c of storm) c.close();

    // The editors already connected are unaffected: they type and get acknowledgements.
    for (const [i, e] of editors.entries()) {
      e.type(`editor ${i} still saving`);
      await e.waitAcked();
    }

    // A client that honours the retry-after gets in.
    await new Promise((resolve) => setTimeout(resolve, notice?.retryAfterMs ?? 2000));
    const late = connect(docId);
    await late.opened();
    await late.waitSynced();
    expect(late.text()).toContain('editor 0 still saving');
  });
});
