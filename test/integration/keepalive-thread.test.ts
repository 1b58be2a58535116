import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../ring/etcd/client.ts';
import { startKeepaliveThread } from '../../ring/etcd/keepalive-thread.ts';
import { createCleanupStack } from '../../ring/testing/cleanup.ts';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import { findFreePort } from '../../ring/testing/free-port.ts';
import {
  createRecordingLogger,
  type RecordingLogger,
} from '../../ring/testing/recording-logger.ts';
import { waitUntil } from '../../ring/testing/wait.ts';

const cleanups = createCleanupStack();
let etcd: EtcdServer;
let log: RecordingLogger;

beforeEach(async () => {
  log = createRecordingLogger();
  etcd = await startEtcd();
  cleanups.defer(() => etcd.stop());
});

afterEach(async () => {
  await cleanups.run();
});

function admin() {
  const c = createEtcdClient({ endpoints: [etcd.endpoint], log, maxBackoffMs: 500 });
  cleanups.defer(() => c.close());
  return c;
}

async function grant(ttlSeconds: number): Promise<string> {
  const response = await admin().leaseClient.leaseGrant({ TTL: ttlSeconds });
  return String(response.ID);
}

function thread(leaseId: string, endpoints = [etcd.endpoint], onLost = () => {}) {
  const t = startKeepaliveThread({
    endpoints,
    leaseId,
    intervalMs: 300,
    timeoutMs: 2000,
    log,
    onLost,
  });
  cleanups.defer(() => t.stop());
  return t;
}

const remainingTtl = async (leaseId: string) =>
  Number((await admin().leaseClient.leaseTimeToLive({ ID: leaseId })).TTL);

describe('keepalive thread (real etcd)', () => {
  it('[R6] keeps a lease alive past its TTL while the main thread sends no keepalive and is itself blocked', async () => {
    const leaseId = await grant(2);
    const t = thread(leaseId);
    await waitUntil('first acknowledgement', () => t.lastAcknowledged() !== null, 5000);
    const before = t.lastAcknowledged()!;
    expect(before.ttlSeconds).toBe(2);

    // The main thread does nothing for 3 s (longer than the TTL): no timer, no I/O runs here.
    const blockedAt = performance.timeOrigin + performance.now();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);

    const after = t.lastAcknowledged()!;
    expect(after.sentAt).toBeGreaterThan(blockedAt + 2000);
    expect(await remainingTtl(leaseId)).toBeGreaterThan(0);
  });

  it('[R6] a lease revoked in etcd is reported lost once, and the thread stops reporting acknowledgements', async () => {
    const leaseId = await grant(5);
    let lost = 0;
    const t = thread(leaseId, [etcd.endpoint], () => lost++);
    await waitUntil('first acknowledgement', () => t.lastAcknowledged() !== null, 5000);

    await admin().leaseClient.leaseRevoke({ ID: leaseId });
    await waitUntil('lease reported lost', () => lost > 0, 5000);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(lost).toBe(1);
    expect(t.lastAcknowledged()).toBeNull();
  });

  it('[R6] an endpoint that refuses connections is skipped for the next one; with none reachable nothing is acknowledged', async () => {
    const dead = `http://127.0.0.1:${await findFreePort()}`;
    const leaseId = await grant(5);
    const failingOver = thread(leaseId, [dead, etcd.endpoint]);
    await waitUntil(
      'acknowledged by the second endpoint',
      () => failingOver.lastAcknowledged() !== null,
      5000,
    );

    const unreachable = thread(leaseId, [dead]);
    await waitUntil(
      'the failure is logged',
      () => log.find(/keepalive thread attempt failed/).length > 0,
      5000,
    );
    expect(unreachable.lastAcknowledged()).toBeNull();
  });
});
