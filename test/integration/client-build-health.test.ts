import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloseCode } from '../../server/protocol/index.ts';
import { parseBuildCounters } from '../../server/rollout/web-health.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { RawClient } from '../harness/raw-client.ts';

/**
 * Per-client-build health on a real node (what `ringdoc rollout web` judges a web build by):
 * sessions, acks and their latency for a build that edits; protocol refusals and reload answers
 * for a build whose handshake announces a protocol version no node speaks; protocol errors (4400
 * after admission) for a build that sends a malformed frame.
 */
let cluster: Cluster;
const clients: RawClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({ nodes: 1, leaseTtl: 5 });
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
}, 60_000);

async function metricsText(): Promise<string> {
  const response = await fetch(`${cluster.node('n1').httpUrl}/metrics`);
  return response.text();
}

describe('per-client-build health in /metrics', () => {
  it('counts sessions and ack latency of an editing build, and protocol refusals of a bad one', async () => {
    const docId = `builds-${Date.now().toString(36)}`;
    const good = new RawClient(cluster.node('n1').url, docId, { build: '2.0.0' });
    clients.push(good);
    await good.opened();
    await good.waitSynced();
    for (let i = 0; i < 5; i++) {
      good.type(`edit ${i} `);
      await good.waitAcked();
    }

    const bad = new WebSocket(`${cluster.node('n1').url}/doc/${docId}?build=2.1.0-bad&proto=99`);
    const code = await new Promise<number>((resolve) => bad.once('close', (c) => resolve(c)));
    expect(code).toBe(CloseCode.UPGRADE_REQUIRED);

    const text = await metricsText();
    const builds = parseBuildCounters(text);
    expect(builds.get('2.0.0')).toMatchObject({
      sessions: 1,
      upgradeRequired: 0,
      protocolRefused: 0,
    });
    expect(builds.get('2.1.0-bad')).toMatchObject({
      sessions: 1,
      upgradeRequired: 1,
      protocolRefused: 1,
    });
    // Every content message the editor sent and got acknowledged has its latency counted.
    const acks = Number(
      /^ringdoc_client_build_acks_total\{build="2\.0\.0"\} (\S+)$/m.exec(text)?.[1],
    );
    expect(acks).toBeGreaterThanOrEqual(good.acked);
    expect(acks).toBeLessThanOrEqual(good.sentContent);
    const seconds = Number(
      /^ringdoc_client_build_ack_seconds_total\{build="2\.0\.0"\} (\S+)$/m.exec(text)?.[1],
    );
    expect(seconds).toBeGreaterThan(0);
    expect(text).not.toMatch(/ringdoc_client_build_acks_total\{build="2\.1\.0-bad"\}/);
  });

  it('counts an admitted session of a build closed for a malformed frame as a protocol error of that build', async () => {
    const docId = `garbled-${Date.now().toString(36)}`;
    const garbled = new RawClient(cluster.node('n1').url, docId, { build: '2.2.0-garbled' });
    clients.push(garbled);
    await garbled.opened();
    await garbled.waitSynced();
    garbled.sendRaw(new Uint8Array([0, 2, 200, 1, 7]));
    expect((await garbled.waitClosed()).code).toBe(CloseCode.BAD_REQUEST);

    const builds = parseBuildCounters(await metricsText());
    expect(builds.get('2.2.0-garbled')).toMatchObject({
      sessions: 1,
      protocolErrors: 1,
      protocolRefused: 0,
      upgradeRequired: 0,
    });
    // The editing build of the other test made no protocol error.
    expect(builds.get('2.0.0')?.protocolErrors).toBe(0);
  });
});
