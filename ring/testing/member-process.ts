/**
 * Test fixture: a process that joins the cluster and stays registered until killed.
 *
 *   node --import tsx ring/testing/member-process.ts --endpoint http://127.0.0.1:2379 \
 *     --prefix /t/ --id m1 [--ttl 2] [--state active]
 *
 * Prints `registered` on stdout once its record is written; SIGTERM leaves gracefully (revokes
 * the lease) and exits 0. Logs go to stderr.
 */
import { parseArgs } from 'node:util';
import { createEtcdClient } from '../etcd/client.ts';
import { isMemberState } from '../etcd/member-codec.ts';
import { joinCluster } from '../etcd/membership.ts';
import type { Logger } from '../etcd/types.ts';

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    prefix: { type: 'string', default: '/ringdoc/' },
    id: { type: 'string' },
    ttl: { type: 'string', default: '2' },
    state: { type: 'string', default: 'active' },
  },
});
if (!values.endpoint || !values.id || !isMemberState(values.state)) {
  process.stderr.write(
    'usage: member-process --endpoint URL --id ID [--prefix P] [--ttl S] [--state S]\n',
  );
  process.exit(2);
}
const id = values.id;
const line = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
  process.stderr.write(`${level} ${id} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
const log: Logger = {
  debug: () => {},
  info: line('INFO'),
  warn: line('WARN'),
  error: line('ERROR'),
};

const client = createEtcdClient({ endpoints: [values.endpoint], log });
const membership = await joinCluster({
  client,
  prefix: values.prefix,
  ttlSeconds: Number(values.ttl),
  log,
  record: {
    id,
    publicUrl: `ws://127.0.0.1:1/${id}`,
    internalUrl: `ws://127.0.0.1:1/${id}/internal`,
    build: 'fixture',
    protocol: { min: 1, max: 1 },
    state: values.state,
    startedAt: Date.now(),
  },
});
process.stdout.write('registered\n');
process.once('SIGTERM', () => {
  void membership.leave().finally(() => {
    client.close();
    process.exit(0);
  });
});
