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

beforeEach(async () => {
  etcd = await startEtcd();
  cleanups.defer(() => etcd.stop());
});

afterEach(async () => {
  await cleanups.run();
});

function admin() {
  const c = createEtcdClient({
    endpoints: [etcd.endpoint],
    log: createRecordingLogger(),
    maxBackoffMs: 500,
  });
  cleanups.defer(() => c.close());
  return c;
}

async function grant(ttlSeconds: number): Promise<string> {
  const response = await admin().leaseClient.leaseGrant({ TTL: ttlSeconds });
  return String(response.ID);
}

function thread(
  leaseId: string,
  options: {
    endpoints?: string[];
    onLost?: () => void;
    staleAfterMs?: number;
    log?: RecordingLogger;
  } = {},
) {
  const t = startKeepaliveThread({
    endpoints: options.endpoints ?? [etcd.endpoint],
    leaseId,
    intervalMs: 300,
    timeoutMs: 2000,
    staleAfterMs: options.staleAfterMs ?? 60_000,
    log: options.log ?? createRecordingLogger(),
    onLost: options.onLost ?? (() => {}),
  });
  cleanups.defer(() => t.stop());
  return t;
}

const remainingTtl = async (leaseId: string) =>
  Number((await admin().leaseClient.leaseTimeToLive({ ID: leaseId })).TTL);

/** Blocks this thread (no timer, no I/O of its event loop runs) for `ms`. */
const blockEventLoop = (ms: number) =>
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('keepalive thread (real etcd)', () => {
  it('[R6] keeps a lease alive past its TTL while the main thread sends no keepalive and is itself blocked', async () => {
    const leaseId = await grant(2);
    const t = thread(leaseId);
    await waitUntil('first acknowledgement', () => t.lastAcknowledged() !== null, 5000);
    expect(t.lastAcknowledged()!.ttlSeconds).toBe(2);

    blockEventLoop(3000);

    // Acknowledged while this thread was blocked: sent well after the block began.
    expect(t.lastAcknowledged()!.sentMsAgo).toBeLessThan(2000);
    expect(await remainingTtl(leaseId)).toBeGreaterThan(0);
  });

  it('[M4] stops renewing once the parent event loop has not beaten its heartbeat for staleAfterMs: the lease then expires', async () => {
    const log = createRecordingLogger();
    const leaseId = await grant(2);
    const t = thread(leaseId, { staleAfterMs: 1000, log });
    await waitUntil('first acknowledgement', () => t.lastAcknowledged() !== null, 5000);
    // No heartbeat from here on (as from a hung event loop).
    await waitUntil(
      'the lease expired in etcd',
      async () => (await remainingTtl(leaseId)) <= 0,
      10_000,
    );
    expect(log.find(/event loop silent for more than 1000 ms/, 'warn')).toHaveLength(1);
  });

  it('[R6] a heartbeat keeps the renewals going', async () => {
    const leaseId = await grant(2);
    const t = thread(leaseId, { staleAfterMs: 1000 });
    const beat = setInterval(() => t.heartbeat(), 200);
    cleanups.defer(() => clearInterval(beat));
    // Past the 1 s staleness limit and the 2 s TTL: a keepalive sent 3 s after the start was
    // acknowledged, so renewals went on all along.
    const start = performance.now();
    await waitUntil(
      'a keepalive acknowledged 3 s after the start',
      () => {
        const ack = t.lastAcknowledged();
        return ack !== null && performance.now() - ack.sentMsAgo - start > 3000;
      },
      10_000,
    );
    expect(await remainingTtl(leaseId)).toBeGreaterThan(0);
    expect(t.lastAcknowledged()!.sentMsAgo).toBeLessThan(2000);
  });

  it('[R6] a lease revoked in etcd is flagged lost in shared memory and reported once; no acknowledgement is reported after', async () => {
    const leaseId = await grant(5);
    let lost = 0;
    const t = thread(leaseId, { onLost: () => lost++ });
    await waitUntil('first acknowledgement', () => t.lastAcknowledged() !== null, 5000);
    expect(t.lost()).toBe(false);

    await admin().leaseClient.leaseRevoke({ ID: leaseId });
    await waitUntil('lease reported lost', () => lost > 0, 5000);
    expect(t.lost()).toBe(true);
    // Stopped: any later report from the worker is dropped, so the count is final here.
    await t.stop();
    expect(lost).toBe(1);
    expect(t.lastAcknowledged()).toBeNull();
  });

  it('[R6] an endpoint that refuses connections is skipped for the next one; an endpoint without a scheme is taken as http', async () => {
    const dead = `http://127.0.0.1:${await findFreePort()}`;
    const leaseId = await grant(5);
    const failingOver = thread(leaseId, { endpoints: [dead, etcd.endpoint] });
    await waitUntil(
      'acknowledged by the second endpoint',
      () => failingOver.lastAcknowledged() !== null,
      5000,
    );
    const bare = thread(leaseId, { endpoints: [etcd.endpoint.replace(/^http:\/\//, '')] });
    await waitUntil('acknowledged without a scheme', () => bare.lastAcknowledged() !== null, 5000);
  });

  it('[R6] with no endpoint reachable nothing is acknowledged and the failure is logged', async () => {
    const log = createRecordingLogger();
    const dead = `http://127.0.0.1:${await findFreePort()}`;
    const t = thread(await grant(5), { endpoints: [dead], log });
    // An attempt was made and failed (the only endpoint refuses): nothing can be acknowledged.
    await waitUntil(
      'the failure is logged',
      () => log.find(/keepalive thread attempt failed/).length > 0,
      5000,
    );
    expect(t.lastAcknowledged()).toBeNull();
    expect(t.lost()).toBe(false);
  });
});
