import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../ring/index.ts';
import { createCleanupStack } from '../../ring/testing/cleanup.ts';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import { createRecordingLogger } from '../../ring/testing/recording-logger.ts';
import { createGenerations, generationKey } from '../../server/cluster/generations.ts';

/**
 * M7 generation agreement on a real etcd: the first proposal for a document is recorded and
 * every later (or concurrent) proposal from any node gets that one back, so a document loaded
 * while all its holders are out keeps the generation of their copies.
 */
const cleanups = createCleanupStack();
const log = createRecordingLogger();
const prefix = `/ringdoc-generations-${process.pid}/`;
let etcd: EtcdServer;

function client(endpoint = etcd.endpoint): Etcd3 {
  const c = createEtcdClient({ endpoints: [endpoint], log, maxBackoffMs: 200 });
  cleanups.defer(() => c.close());
  return c;
}

beforeAll(async () => {
  etcd = await startEtcd();
  cleanups.defer(() => etcd.stop());
}, 60_000);

afterAll(async () => {
  await cleanups.run();
}, 60_000);

describe('[M7] generations agreed in etcd', () => {
  it('[M7] the first proposal is recorded; later proposals from other nodes get it back', async () => {
    const a = createGenerations({ client: () => client(), prefix });
    const b = createGenerations({ client: () => client(), prefix });
    expect(await a.agree('doc-1', 'gen-a')).toBe('gen-a');
    expect(await b.agree('doc-1', 'gen-b')).toBe('gen-a');
    expect(await a.agree('doc-1/comments', 'gen-c')).toBe('gen-c');
    const raw = await client().get(generationKey(prefix, 'doc-1')).string();
    expect(raw).toBe('gen-a');
  });

  it('[M7] nodes proposing at the same time all get the same one', async () => {
    const nodes = Array.from({ length: 8 }, () =>
      createGenerations({ client: () => client(), prefix }),
    );
    const answers = await Promise.all(nodes.map((n, i) => n.agree('doc-race', `gen-${i}`)));
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toMatch(/^gen-\d$/);
  });

  it('[M7] etcd that does not answer: a clear rejection within the timeout, nothing invented', async () => {
    const c = client();
    const generations = createGenerations({ client: () => c, prefix, timeoutMs: 500 });
    expect(await generations.agree('doc-paused', 'gen-1')).toBe('gen-1');
    etcd.pause();
    try {
      const started = Date.now();
      await expect(generations.agree('doc-other', 'gen-2')).rejects.toThrow(
        /etcd did not answer within 500 ms \(generation of doc-other\)/,
      );
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      etcd.resume();
    }
    // The timed-out proposal may still have reached etcd once it resumed: whichever was
    // recorded, every node gets the same one back.
    const after = await generations.agree('doc-other', 'gen-3');
    expect(['gen-2', 'gen-3']).toContain(after);
    const other = createGenerations({ client: () => client(), prefix });
    expect(await other.agree('doc-other', 'gen-4')).toBe(after);
  });

  it('[M7] without an etcd client (node not started) the agreement is refused', async () => {
    const generations = createGenerations({ client: () => null, prefix });
    await expect(generations.agree('doc', 'gen')).rejects.toThrow(/etcd is not connected/);
  });
});
