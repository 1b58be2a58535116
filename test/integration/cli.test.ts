import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyspace } from '../../ring/index.ts';
import { captureIo } from '../../server/cli/io.ts';
import { main } from '../../server/cli/main.ts';
import type { StatusReport } from '../../server/cli/status-command.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { waitFor } from '../harness/node-process.ts';
import { createPortAllocator } from '../harness/ports.ts';
import { RawClient } from '../harness/raw-client.ts';
import { type RingdocRun, runRingdoc } from '../harness/run-ringdoc.ts';

let cluster: Cluster;
let scratch: string;
const clients: RawClient[] = [];
let seq = 0;
const newDocId = () => `cli-${Date.now().toString(36)}-${seq++}`;

/** The nodes' operator token: `ringdoc docs` and `drain` read `/docs` with it (SECURITY.md). */
const OPERATOR_TOKEN = 'cli-test-operator-token-0123456789';

/** Runs `ringdoc …` in-process against the test cluster (no local-cluster state file applies). */
async function cli(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({
    RINGDOC_ETCD: cluster.etcd.endpoint,
    RINGDOC_STATE_FILE: path.join(scratch, 'no-local-cluster.json'),
    RINGDOC_OPERATOR_TOKEN: OPERATOR_TOKEN,
    ...env,
  });
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Runs the real `bin/ringdoc.mjs` as a child process (bounded to 30 s). */
function cliProcess(args: string[]): Promise<RingdocRun> {
  return runRingdoc(
    args,
    { RINGDOC_STATE_FILE: path.join(scratch, 'no-local-cluster.json') },
    30_000,
  );
}

async function writeOn(docId: string, text: string): Promise<RawClient> {
  const route = await cluster.ownerOf(docId);
  const client = new RawClient(route.url, docId);
  clients.push(client);
  await client.opened();
  await client.waitSynced();
  client.type(text);
  await client.waitAcked();
  return client;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-cli-test-'));
  cluster = await startCluster({ nodes: 3, nodeEnv: { RINGDOC_OPERATOR_TOKEN: OPERATOR_TOKEN } });
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 60_000);

describe('ringdoc status', () => {
  it('[N6] lists every member with state, readiness, epoch, documents and connections (--json)', async () => {
    const docId = newDocId();
    await writeOn(docId, 'hello');
    const { owner } = await cluster.ownerOf(docId);
    const { code, stdout, stderr } = await cli(['status', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as StatusReport;
    expect(report.etcd).toEqual([cluster.etcd.endpoint]);
    expect(report.prefix).toBe('/ringdoc/');
    expect(report.ring).toEqual(['n1', 'n2', 'n3']);
    expect(report.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);
    for (const node of report.nodes) {
      expect(node).toMatchObject({ state: 'active', reachable: true, ready: true, error: null });
      expect(node.epoch).toBeGreaterThan(0);
      expect(node.publicUrl).toBe(cluster.node(node.id).url);
    }
    const ownerRow = report.nodes.find((n) => n.id === owner);
    expect(ownerRow?.documents).toBeGreaterThanOrEqual(1);
    expect(ownerRow?.connections).toBeGreaterThanOrEqual(1);
  });

  it('prints a table with one row per member (human form)', async () => {
    const { code, stdout } = await cli(['status']);
    expect(code).toBe(0);
    expect(stdout).toContain(`etcd ${cluster.etcd.endpoint}  prefix /ringdoc/`);
    expect(stdout).toContain('ring: n1 n2 n3 (3 active of 3)');
    expect(stdout).toMatch(/^NODE\s+STATE\s+READY\s+EPOCH\s+DOCS\s+CONNS\s+BUILD\s+UP\s+URL$/m);
    for (const node of cluster.nodes) {
      expect(stdout).toMatch(
        new RegExp(`^${node.id}\\s+active\\s+yes\\s+\\d+\\s+\\d+\\s+\\d+\\s+.*${node.url}$`, 'm'),
      );
    }
  });

  it('the real binary prints JSON and exits 0', async () => {
    const { code, stdout } = await cliProcess([
      'status',
      '--json',
      '--etcd',
      cluster.etcd.endpoint,
    ]);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as StatusReport).ring).toEqual(['n1', 'n2', 'n3']);
  });
});

describe('ringdoc owner', () => {
  it('[R1] computes the same owner and replicas as every node’s /route, in both forms', async () => {
    for (let i = 0; i < 5; i++) {
      const docId = newDocId();
      const json = await cli(['owner', docId, '--json']);
      expect(json.code).toBe(0);
      const answer = JSON.parse(json.stdout) as {
        docId: string;
        owner: string;
        url: string;
        replicas: string[];
      };
      for (const node of cluster.nodes) {
        const res = await fetch(`${node.httpUrl}/route/${docId}`);
        const route = (await res.json()) as { owner: string; url: string; replicas: string[] };
        expect({ owner: answer.owner, url: answer.url, replicas: answer.replicas }).toEqual({
          owner: route.owner,
          url: route.url,
          replicas: route.replicas,
        });
      }
      const human = await cli(['owner', docId]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^DOCUMENT\s+OWNER\s+REPLICAS\s+EPOCH\s+URL$/m);
      expect(human.stdout).toMatch(
        new RegExp(
          `^${docId}\\s+${answer.owner}\\s+${answer.replicas.join(' ')}\\s+\\d+\\s+${answer.url}$`,
          'm',
        ),
      );
    }
  });

  it('[R3] a sub-room routes with its parent document', async () => {
    const docId = newDocId();
    const parent = JSON.parse((await cli(['owner', docId, '--json'])).stdout) as { owner: string };
    const sub = JSON.parse((await cli(['owner', `${docId}/comments`, '--json'])).stdout) as {
      owner: string;
    };
    expect(sub.owner).toBe(parent.owner);
  });

  it('[C1] refuses an invalid document id with a usage error (exit 2)', async () => {
    const { code, stderr } = await cli(['owner', '../etc']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^ringdoc owner: invalid document id/);
    expect(stderr).toContain('usage: ringdoc owner <docId>');
  });
});

describe('ringdoc docs', () => {
  it('lists the documents a node holds, loaded and stored, in both forms', async () => {
    const docId = newDocId();
    await writeOn(docId, 'stored text');
    const { owner } = await cluster.ownerOf(docId);
    await waitFor(`${docId} stored on ${owner}`, async () => {
      const { stdout } = await cli(['docs', owner, '--json']);
      return (JSON.parse(stdout) as { stored: string[] }).stored.includes(docId);
    });
    const json = JSON.parse((await cli(['docs', owner, '--json'])).stdout) as {
      node: string;
      loaded: string[];
      stored: string[];
    };
    expect(json.node).toBe(owner);
    expect(json.loaded).toContain(docId);
    const human = await cli(['docs', owner]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`^${owner}: \\d+ documents \\(\\d+ loaded, \\d+ stored\\)$`, 'm'),
    );
    expect(human.stdout).toMatch(new RegExp(`^${docId}\\s+yes\\s+yes$`, 'm'));
    const refused = await cli(['docs', owner], { RINGDOC_OPERATOR_TOKEN: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused \/docs \(401\): set RINGDOC_OPERATOR_TOKEN/);
    expect(refused.stdout).not.toContain(docId);
  });

  it('names the registered members when the node is unknown (exit 1)', async () => {
    const { code, stderr } = await cli(['docs', 'n9']);
    expect(code).toBe(1);
    expect(stderr).toBe('ringdoc docs: no member "n9" is registered (members: n1, n2, n3)\n');
  });
});

describe('ringdoc config', () => {
  it('[C6] sets, reads and unsets min-client-build in both forms; nodes see it live', async () => {
    const set = await cli(['config', 'set', 'min-client-build', '0.0.7']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^min-client-build = 0\.0\.7 \(revision \d+\)\n$/);
    expect((await cli(['config', 'get', 'min-client-build'])).stdout).toBe('0.0.7\n');
    expect(JSON.parse((await cli(['config', 'get', 'min-client-build', '--json'])).stdout)).toEqual(
      {
        name: 'min-client-build',
        value: '0.0.7',
      },
    );
    const all = await cli(['config', 'get']);
    expect(all.stdout).toMatch(/^SETTING\s+VALUE\nmin-client-build\s+0\.0\.7\n$/);
    expect(JSON.parse((await cli(['config', 'get', '--json'])).stdout)).toEqual({
      'min-client-build': '0.0.7',
    });
    // A node applies it live: a tab with an older build is refused.
    const old = new RawClient(cluster.nodes[0]!.url, newDocId(), { build: '0.0.6' });
    clients.push(old);
    const closed = await old.waitClosed();
    expect(closed.reason).toContain('0.0.7');

    const setJson = JSON.parse(
      (await cli(['config', 'set', 'min-client-build', '0.0.8', '--json'])).stdout,
    );
    expect(setJson).toMatchObject({ name: 'min-client-build', value: '0.0.8' });
    expect(typeof setJson.revision).toBe('number');
    const unset = await cli(['config', 'unset', 'min-client-build', '--json']);
    expect(JSON.parse(unset.stdout)).toMatchObject({ name: 'min-client-build', value: null });
    expect((await cli(['config', 'get', 'min-client-build'])).stdout).toBe(
      'min-client-build is not set\n',
    );
  });

  it('refuses unknown settings and bad values with a usage error (exit 2)', async () => {
    const typo = await cli(['config', 'set', 'min-client-buid', '1']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^ringdoc config: unknown setting "min-client-buid"/);
    const bad = await cli(['config', 'set', 'require-client-build', 'yes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ringdoc config: require-client-build must be true or false/);
  });
});

describe('ringdoc drain', () => {
  it('[M2] refuses the last active member; with --force writes the request and times out clearly when nothing picks it up', async () => {
    const prefix = '/ringdoc-drain-timeout/';
    const ghost = {
      id: 'ghost',
      publicUrl: 'ws://127.0.0.1:1',
      internalUrl: 'ws://127.0.0.1:1',
      build: '0.1.0',
      protocol: { min: 1, max: 1 },
      state: 'active',
      startedAt: Date.now(),
    };
    await cluster.etcd.etcdctl('put', `${prefix}members/ghost`, JSON.stringify(ghost));
    const refused = await cli(['drain', 'ghost', '--prefix', prefix, '--timeout', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ringdoc drain: ghost is the only active member/);
    expect(
      await cluster.etcd.etcdctl(
        'get',
        createKeyspace(prefix).drainRequestKey('ghost'),
        '--print-value-only',
      ),
    ).toBe('');

    const timedOut = await cli(['drain', 'ghost', '--prefix', prefix, '--timeout', '1', '--force']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toMatch(
      /^drain of ghost requested \(\/ringdoc-drain-timeout\/control\/ghost\/drain/,
    );
    expect(timedOut.stderr).toBe(
      'ringdoc drain: ghost did not finish draining within 1 s (state active: the node has not picked up the request); the request stays in etcd until `ringdoc drain ghost --cancel`\n',
    );
    const value = await cluster.etcd.etcdctl(
      'get',
      createKeyspace(prefix).drainRequestKey('ghost'),
      '--print-value-only',
    );
    expect(JSON.parse(value)).toEqual({ requestedAt: expect.any(Number) });

    const json = await cli([
      'drain',
      'ghost',
      '--prefix',
      prefix,
      '--timeout',
      '0.5',
      '--force',
      '--json',
    ]);
    expect(json.code).toBe(1);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string });
    expect(events.map((e) => e.event)).toEqual(['requested', 'progress', 'timeout']);

    const cancel = await cli(['drain', 'ghost', '--prefix', prefix, '--cancel']);
    expect(cancel.code).toBe(0);
    expect(
      await cluster.etcd.etcdctl(
        'get',
        createKeyspace(prefix).drainRequestKey('ghost'),
        '--print-value-only',
      ),
    ).toBe('');
  });

  it('[M2] drains a node: progress until it leaves the ring, its documents stay readable', async () => {
    const docId = newDocId();
    await writeOn(docId, 'survives the drain');
    const target = 'n3';
    const { code, stdout, stderr } = await cli(['drain', target, '--timeout', '45', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; node: string });
    expect(events[0]).toMatchObject({ event: 'requested', node: target });
    expect(events.at(-1)).toMatchObject({ event: 'drained', node: target });
    await cluster.waitForRing(['n1', 'n2']);
    await waitFor(`${target} exited`, () => !cluster.node(target).running, 20_000);
    const status = JSON.parse((await cli(['status', '--json'])).stdout) as StatusReport;
    expect(status.ring).toEqual(['n1', 'n2']);
    const reader = new RawClient((await cluster.ownerOf(docId)).url, docId);
    clients.push(reader);
    await reader.opened();
    await reader.waitSynced();
    expect(reader.text()).toBe('survives the drain');
  });
});

describe('errors', () => {
  /** A TCP server that accepts connections and never answers (a hung etcd). */
  async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    const port = await createPortAllocator()();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return {
      port,
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    };
  }

  it('etcd unreachable: one clear line on stderr and exit 1, in both forms (real binary)', async () => {
    const port = await createPortAllocator()();
    for (const args of [['status'], ['status', '--json'], ['config', 'get']]) {
      const { code, stdout, stderr } = await cliProcess([
        ...args,
        '--etcd',
        `http://127.0.0.1:${port}`,
      ]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `ringdoc ${args[0]}: cannot reach etcd at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); endpoint from --etcd\n`,
      );
    }
  });

  it('etcd that accepts but never answers: a clear error and exit 1 (deadline)', async () => {
    const hole = await blackHole();
    try {
      const { code, stderr } = await cli(['status'], {
        RINGDOC_ETCD: `http://127.0.0.1:${hole.port}`,
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(
        new RegExp(
          `^ringdoc status: cannot reach etcd at http://127\\.0\\.0\\.1:${hole.port} \\(.+\\); endpoint from RINGDOC_ETCD\\n$`,
        ),
      );
    } finally {
      await hole.close();
    }
  });

  it('unknown commands and options are usage errors (exit 2)', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    const typo = await cli(['status', '--jsno']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^ringdoc status: unknown option --jsno\nusage: ringdoc status/);
    const missing = await cli(['docs']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^ringdoc docs: missing <nodeId>/);
  });

  it('a node refuses a commit window it cannot use, before it binds or registers', async () => {
    const node = (window: string) =>
      cli([
        'node',
        '--id',
        'n9',
        '--port',
        '1',
        '--data',
        path.join(scratch, 'never-created'),
        '--insecure-dev-secret',
        '--group-commit-ms',
        window,
      ]);
    const tooLong = await node('500');
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toBe(
      'ringdoc node: groupCommitMs must be between 0 and 100 ms, got 500\n',
    );
    const notANumber = await node('soon');
    expect(notANumber.code).toBe(1);
    expect(notANumber.stderr).toBe('ringdoc node: --group-commit-ms must be a number\n');
  });
});
