import { afterAll, beforeAll } from 'vitest';
import { createEtcdClient, createKeyspace } from '../../ring/index.ts';
import { createCleanupStack } from '../../ring/testing/cleanup.ts';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import { createRecordingLogger } from '../../ring/testing/recording-logger.ts';
import { waitUntil } from '../../ring/testing/wait.ts';
import { systemClock } from '../../server/clock.ts';
import { describeCoordinationContract } from '../../server/coordination/coordination.contract.ts';
import { createEtcdCoordination } from '../../server/coordination/etcd-coordination.ts';

/** The coordination contract on a real etcd (Debian's etcd-server on a free loopback port). */
const cleanups = createCleanupStack();
const log = createRecordingLogger();
let etcd: EtcdServer;
let run = 0;

beforeAll(async () => {
  etcd = await startEtcd();
  cleanups.defer(() => etcd.stop());
}, 60_000);

afterAll(async () => {
  await cleanups.run();
}, 60_000);

describeCoordinationContract('etcd', async () => {
  const prefix = `/ringdoc-contract-${process.pid}-${++run}/`;
  const keys = createKeyspace(prefix);
  const client = createEtcdClient({ endpoints: [etcd.endpoint], log, maxBackoffMs: 200 });
  return {
    make: () => createEtcdCoordination({ client, prefix, log, clock: systemClock(), vnodes: 16 }),
    putSetting: async (name, value) => {
      await client.put(keys.configKey(name)).value(value);
    },
    requestDrain: async (id) => {
      await client.put(keys.drainRequestKey(id)).value('{}');
    },
    until: (what, probe) => waitUntil(what, probe, 10_000),
    cleanup: async () => client.close(),
  };
});
