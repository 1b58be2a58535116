import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localNodeArgs, nextNodeId } from './node.ts';
import { isAlive } from './proc.ts';
import {
  type LocalClusterState,
  parseState,
  readLiveState,
  readState,
  writeState,
} from './state.ts';
import { webArgs, webEnv } from './web.ts';

const state: LocalClusterState = {
  version: 1,
  launcherPid: process.pid,
  startedAt: 1,
  etcd: {
    endpoint: 'http://127.0.0.1:23000',
    dataDir: '/tmp/x/etcd',
    pid: 10,
    watchdogPid: 11,
    log: '/l/etcd.log',
  },
  prefix: '/ringdoc/',
  root: '/tmp/x',
  logDir: '/l',
  leaseTtl: 5,
  web: { url: 'http://127.0.0.1:3000', pid: 12, watchdogPid: null, log: '/l/web.log' },
  nodes: [
    {
      id: 'n1',
      port: 24001,
      url: 'ws://127.0.0.1:24001',
      dataDir: '/tmp/x/n1',
      pid: 13,
      watchdogPid: 14,
      log: '/l/n1.log',
    },
  ],
};

describe('local cluster state file', () => {
  it('round-trips through write and read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-state-test-'));
    try {
      const file = path.join(dir, 'nested', 'state.json');
      expect(await readState(file)).toBeNull();
      await writeState(file, state);
      expect(await readState(file)).toEqual(state);
      expect(await readLiveState(file)).toEqual(state);
      await writeState(file, { ...state, launcherPid: 2 ** 22 + 1 });
      expect(await readLiveState(file)).toBeNull();
      await writeState(file, state);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(state);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a state file with a wrong or missing field, naming it', () => {
    expect(parseState(JSON.stringify(state))).toEqual(state);
    const broken = (patch: Record<string, unknown>) =>
      parseState(JSON.stringify({ ...state, ...patch }));
    expect(parseState('{')).toEqual(new Error('state file is not JSON'));
    expect(broken({ version: 2 })).toEqual(new Error('unsupported state version 2'));
    expect(broken({ launcherPid: -1 })).toEqual(new Error('launcherPid is not a pid'));
    expect(broken({ etcd: { ...state.etcd, endpoint: 5 } })).toEqual(
      new Error('etcd.endpoint is not a string'),
    );
    expect(broken({ nodes: [{ ...state.nodes[0], port: 'x' }] })).toEqual(
      new Error('nodes[0].port is not a port'),
    );
    expect(broken({ web: { ...state.web, watchdogPid: 'x' } })).toEqual(
      new Error('web.watchdogPid is not a pid'),
    );
  });
});

describe('local processes', () => {
  it('node ids fill the first gap n1, n2, …', () => {
    expect(nextNodeId([])).toBe('n1');
    expect(nextNodeId(['n1', 'n2', 'n4'])).toBe('n3');
    expect(nextNodeId(['n1', 'n2', 'n3'])).toBe('n4');
  });

  it('builds the `ringdoc node` and `next start` command lines', () => {
    expect(
      localNodeArgs({
        id: 'n2',
        port: 24002,
        etcd: 'http://127.0.0.1:23000',
        prefix: '/ringdoc/',
        dataDir: '/d/n2',
        leaseTtl: 5,
        logFile: '/l/n2.log',
        secrets: null,
      }),
    ).toEqual([
      'node',
      '--id',
      'n2',
      '--port',
      '24002',
      '--etcd',
      'http://127.0.0.1:23000',
      '--data',
      '/d/n2',
      '--prefix',
      '/ringdoc/',
      '--lease-ttl',
      '5',
      '--insecure-dev-secret',
    ]);
    const options = { port: 3000, etcd: 'http://e:1', prefix: '/p/' };
    expect(webArgs(options).slice(1)).toEqual([
      'start',
      expect.stringMatching(/\/web$/),
      '-p',
      '3000',
      '-H',
      '127.0.0.1',
    ]);
    expect(webEnv({ PATH: '/bin' }, options)).toEqual({
      PATH: '/bin',
      NEXT_TELEMETRY_DISABLED: '1',
      RINGDOC_ETCD: 'http://e:1',
      RINGDOC_PREFIX: '/p/',
    });
  });

  it('isAlive is true for this process and false for a pid that does not exist', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(2 ** 22 + 1)).toBe(false);
  });
});
