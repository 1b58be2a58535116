import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../ring/index.ts';
import { createCleanupStack } from '../../ring/testing/cleanup.ts';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import { createRecordingLogger } from '../../ring/testing/recording-logger.ts';
import { systemClock } from '../../server/clock.ts';
import { createEtcdCoordination } from '../../server/coordination/etcd-coordination.ts';

/**
 * M7 on a real etcd when etcd stops answering (the agreement itself is in the coordination
 * contract, `coordination.test.ts`): a load never invents a generation of its own.
 */
const cleanups = createCleanupStack();
const log = createRecordingLogger();
const prefix = `/ringdoc-generations-${process.pid}/`;
let etcd: EtcdServer;

beforeAll(async () => {
  etcd = await startEtcd();
  cleanups.defer(() => etcd.stop());
}, 60_000);

afterAll(async () => {
  await cleanups.run();
}, 60_000);

function coordination() {
  const client = createEtcdClient({ endpoints: [etcd.endpoint], log, maxBackoffMs: 200 });
  cleanups.defer(() => client.close());
  return createEtcdCoordination({
    client,
    prefix,
    log,
    clock: systemClock(),
    vnodes: 16,
    generationTimeoutMs: 500,
  });
}

describe('[M7] generations when etcd does not answer', () => {
  it('[M7] a paused etcd: a clear rejection naming the timeout, nothing invented; agreement resumes after', async () => {
    const a = coordination();
    expect(await a.agreeGeneration('doc-paused', 'gen-1')).toBe('gen-1');
    etcd.pause();
    try {
      await expect(a.agreeGeneration('doc-other', 'gen-2')).rejects.toThrow(
        /did not answer within 500 ms \(generation of doc-other\)/,
      );
    } finally {
      etcd.resume();
    }
    // The timed-out proposal may still have reached etcd once it resumed: whichever was
    // recorded, every node gets the same one back.
    const after = await a.agreeGeneration('doc-other', 'gen-3');
    expect(['gen-2', 'gen-3']).toContain(after);
    expect(await coordination().agreeGeneration('doc-other', 'gen-4')).toBe(after);
  });
});
