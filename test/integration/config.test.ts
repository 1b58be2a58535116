import type { Etcd3 } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConfigWatcher,
  createEtcdClient,
  getConfig,
  setConfig,
  watchConfig,
} from '../../ring/index.ts';
import { createCleanupStack } from '../../ring/testing/cleanup.ts';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import {
  createRecordingLogger,
  type RecordingLogger,
} from '../../ring/testing/recording-logger.ts';
import { startTcpProxy } from '../../ring/testing/tcp-proxy.ts';
import { waitUntil } from '../../ring/testing/wait.ts';

const cleanups = createCleanupStack();
let etcd: EtcdServer;
let log: RecordingLogger;
let prefix: string;
let seq = 0;

function client(name: string, endpoint = etcd.endpoint): Etcd3 {
  const c = createEtcdClient({
    endpoints: [endpoint],
    log: log.child(`client ${name}`),
    maxBackoffMs: 500,
  });
  cleanups.defer(() => c.close());
  return c;
}

function watcher(name: string, c: Etcd3 = client(name)): ConfigWatcher {
  const w = watchConfig({
    client: c,
    prefix,
    log: log.child(name),
    backoff: { initialMs: 50, maxMs: 400 },
  });
  cleanups.defer(() => w.close());
  return w;
}

beforeEach(async () => {
  log = createRecordingLogger();
  prefix = `/ringdoc-config-${process.pid}-${seq++}/`;
  etcd = await startEtcd();
  cleanups.defer(() => etcd.stop());
});

afterEach(async (context) => {
  await cleanups.run();
  if (context.task.result?.state === 'fail' || process.env.RINGDOC_TEST_LOG) {
    process.stderr.write(
      `--- ringdoc log ---\n${log.dump()}\n--- etcd output ---\n${etcd.output()}\n`,
    );
  }
});

describe('cluster config in etcd (real etcd)', () => {
  it('[C6] min-client-build set via etcd is seen live by a ConfigWatcher, and so is its removal', async () => {
    const admin = client('admin');
    const w = watcher('w');
    await w.ready();
    expect(w.get('min-client-build')).toBeUndefined();
    const changes: Array<[string, string | undefined]> = [];
    w.onChange((name, value) => changes.push([name, value]));

    await setConfig(admin, prefix, 'min-client-build', '42');
    await waitUntil('min-client-build = 42', () => w.get('min-client-build') === '42', 5000);
    await setConfig(admin, prefix, 'min-client-build', '43');
    await waitUntil('min-client-build = 43', () => w.get('min-client-build') === '43', 5000);
    await setConfig(admin, prefix, 'min-client-build', undefined);
    await waitUntil('min-client-build unset', () => w.get('min-client-build') === undefined, 5000);

    expect(changes).toEqual([
      ['min-client-build', '42'],
      ['min-client-build', '43'],
      ['min-client-build', undefined],
    ]);
    expect(await getConfig(admin, prefix, 'min-client-build')).toBeUndefined();
  });

  it('[C6] settings written before the watcher starts are in its first view', async () => {
    const admin = client('admin');
    await setConfig(admin, prefix, 'min-client-build', '7');
    await setConfig(admin, prefix, 'require-client-build', 'true');
    const w = watcher('w');
    await w.ready();
    expect(w.get('min-client-build')).toBe('7');
    expect(w.get('require-client-build')).toBe('true');
    expect(await getConfig(admin, prefix, 'require-client-build')).toBe('true');
  });

  it('[R5] a config watcher cut off while a setting changed and history was compacted re-lists and converges', async () => {
    const admin = client('admin');
    const proxy = await startTcpProxy(etcd.clientPort);
    cleanups.defer(() => proxy.close());
    const w = watcher('cut-off', client('cut-off', proxy.endpoint));
    await setConfig(admin, prefix, 'min-client-build', '1');
    await waitUntil('first value', () => w.get('min-client-build') === '1', 5000);

    proxy.cut();
    await waitUntil(
      'disconnect noticed',
      () => log.find(/\[cut-off\] config watch disconnected/).length > 0,
      10_000,
    );
    await setConfig(admin, prefix, 'min-client-build', '2');
    await setConfig(admin, prefix, 'require-client-build', 'true');
    await etcd.compact();
    proxy.restore();

    await waitUntil(
      'converged',
      () => w.get('min-client-build') === '2' && w.get('require-client-build') === 'true',
      10_000,
    );
    expect(
      log.find(
        /\[cut-off\] config watch from revision \d+ cancelled by etcd \(history compacted\)/,
      ),
    ).not.toHaveLength(0);
  });

  it('[C6] an invalid setting name is refused by setConfig', async () => {
    await expect(setConfig(client('admin'), prefix, 'bad/name', 'x')).rejects.toThrow(
      /invalid config name/,
    );
  });
});
