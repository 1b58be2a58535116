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
import { createProductionNode } from '../../server/node/production.ts';
import { CloseCode, decodeServerFrame, encodeSyncStep1 } from '../../server/protocol/index.ts';
import { createPortAllocator } from '../harness/ports.ts';

/**
 * PROTOCOL.md F5/I8: an owner that stops ends the forwarding streams it serves with 4503
 * ("node shutting down"), on the link, before it closes the link (which the opener would hear
 * as 1006, a lost link). A real node (uWS, etcd, file store) and the production peer pool.
 */
const cleanups = createCleanupStack();
const port = createPortAllocator();
let etcd: EtcdServer;
let dataRoot: string;

beforeAll(async () => {
  etcd = await startEtcd();
  cleanups.defer(() => etcd.stop());
  dataRoot = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-stream-stop-'));
  cleanups.defer(() => rm(dataRoot, { recursive: true, force: true }));
}, 60_000);

afterAll(() => cleanups.run(), 60_000);

describe('a node that stops', () => {
  it('[C10] ends the forwarding streams it serves with 4503 before it closes their link', async () => {
    const config = resolveNodeConfig({
      id: 'n1',
      port: await port(),
      etcd: [etcd.endpoint],
      dataDir: path.join(dataRoot, 'n1'),
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
