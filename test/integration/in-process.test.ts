import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createCleanupStack } from '../../ring/testing/cleanup.ts';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import { waitUntil } from '../../ring/testing/wait.ts';
import { createPeerPool } from '../../server/cluster/peer-client.ts';
import { resolveNodeConfig } from '../../server/config.ts';
import { createSilentLogger } from '../../server/log.ts';
import type { RingdocNode } from '../../server/node/create-node.ts';
import { createProductionNode } from '../../server/node/production.ts';
import { CloseCode, decodeServerFrame, encodeSyncStep1 } from '../../server/protocol/index.ts';
import { createPortAllocator } from '../harness/ports.ts';
import { RawClient } from '../harness/raw-client.ts';

/**
 * No module-level state (STYLE 2): three production nodes — uWS, etcd coordination, file store,
 * peer pool — in this one test process form a cluster, route, serve and replicate like three
 * processes would.
 */
const cleanups = createCleanupStack();
const port = createPortAllocator();
let etcd: EtcdServer;
let dataRoot: string;
const nodes: RingdocNode[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  cleanups.defer(() => etcd.stop());
  dataRoot = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-in-process-'));
  cleanups.defer(() => rm(dataRoot, { recursive: true, force: true }));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(nodes.map((n) => n.stop()));
  await cleanups.run();
}, 60_000);

describe('three nodes in one process', () => {
  it('form one ring, agree on every owner, and serve a document with its ack', async () => {
    for (const id of ['n1', 'n2', 'n3']) {
      const config = resolveNodeConfig({
        id,
        port: await port(),
        etcd: [etcd.endpoint],
        dataDir: path.join(dataRoot, id),
        prefix: `/ringdoc-in-process-${process.pid}/`,
        leaseTtlSeconds: 2,
      });
      const node = createProductionNode(config, createSilentLogger());
      nodes.push(node);
    }
    await Promise.all(nodes.map((n) => n.start()));
    await waitUntil(
      'a settled ring: every node sees 3 active members at one epoch',
      () => {
        const views = nodes.map((n) => n.view());
        return (
          views.every((v) => v?.ring.members.length === 3) &&
          new Set(views.map((v) => v?.epoch)).size === 1
        );
      },
      20_000,
    );
    for (const node of nodes) expect(node.notReadyReason()).toBeNull();

    const docId = `in-process-${Date.now().toString(36)}`;
    const answers = await Promise.all(
      nodes.map(async (n) => {
        const res = await fetch(`http://127.0.0.1:${n.port()}/route/${docId}`);
        return (await res.json()) as { owner: string; replicas: string[] };
      }),
    );
    expect(new Set(answers.map((a) => a.owner)).size).toBe(1);
    const owner = nodes.find((n) => n.id === answers[0]?.owner);
    if (!owner) throw new Error('owner is not one of the nodes');
    const replica = nodes.find((n) => n.id === answers[0]?.replicas[0]);

    const client = new RawClient(`ws://127.0.0.1:${owner.port()}`, docId);
    cleanups.defer(() => client.close());
    await client.opened();
    await client.waitSynced();
    client.type('hello from one process');
    await client.waitAcked();
    expect(client.acked).toBeGreaterThan(0);
    // Durability `replica` (N3): the ack means the other holder has it too.
    const copy = await replica?.store.load(docId);
    expect(copy?.generation).toBe(owner.registry.get(docId)?.generation);
  }, 90_000);
});

/**
 * PROTOCOL.md F5/I8: an owner that stops ends the forwarding streams it serves with 4503
 * ("node shutting down"), on the link, before it closes the link (which the opener would hear
 * as 1006, a lost link). A real node (uWS, etcd, file store) and the production peer pool.
 */
describe('a node that stops', () => {
  it('[C10] ends the forwarding streams it serves with 4503 before it closes their link', async () => {
    const config = resolveNodeConfig({
      id: 'n1',
      port: await port(),
      etcd: [etcd.endpoint],
      dataDir: path.join(dataRoot, 'stopping-n1'),
      prefix: `/ringdoc-stream-stop-${process.pid}/`,
      leaseTtlSeconds: 2,
    });
    const node = createProductionNode(config, createSilentLogger());
    cleanups.defer(() => node.stop());
    await node.start();
    await waitUntil('n1 active and ready', () => node.notReadyReason() === null, 20_000);

    const pool = createPeerPool({ secret: config.clusterSecret, log: createSilentLogger() });
    cleanups.defer(() => pool.close());
    const frames: string[] = [];
    let closed: { code: number; reason: string } | null = null;
    const stream = pool.openStream(config.internalUrl, 'forwarded-doc', node.view()?.epoch ?? 0, {
      frame: (bytes) => frames.push(decodeServerFrame(bytes).type),
      close: (code, reason) => {
        closed = { code, reason };
      },
    });
    stream.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    await waitUntil(
      'the stream is served (HELLO, SyncStep2)',
      () => frames.includes('sync-step2'),
      10_000,
    );
    expect(frames[0]).toBe('hello');

    await node.stop();
    await waitUntil('the stream is closed', () => closed !== null, 10_000);
    expect(closed).toEqual({ code: CloseCode.RETRY, reason: 'node shutting down' });
  }, 60_000);
});
