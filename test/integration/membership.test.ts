import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Etcd3 } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createEtcdClient,
  joinCluster,
  type MemberRecord,
  type MemberState,
  type MembershipWatcher,
  type RingView,
  watchMembers,
} from '../../ring/index.ts';
import { createCleanupStack } from '../../ring/testing/cleanup.ts';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import {
  createRecordingLogger,
  type RecordingLogger,
} from '../../ring/testing/recording-logger.ts';
import { startTcpProxy } from '../../ring/testing/tcp-proxy.ts';
import { waitUntil, within } from '../../ring/testing/wait.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TTL = 2;
/** Fast retries so recovery after an outage does not wait for a long backoff. */
const FAST = { initialMs: 50, maxMs: 400 } as const;

const cleanups = createCleanupStack();
let etcd: EtcdServer;
let log: RecordingLogger;
let prefix: string;
let seq = 0;

function record(id: string, state: MemberState = 'active'): MemberRecord {
  return {
    id,
    publicUrl: `ws://127.0.0.1:4000/${id}`,
    internalUrl: `ws://127.0.0.1:4000/${id}/internal`,
    build: 'test',
    protocol: { min: 1, max: 1 },
    state,
    startedAt: Date.now(),
  };
}

function client(name: string, endpoint = etcd.endpoint): Etcd3 {
  const c = createEtcdClient({
    endpoints: [endpoint],
    log: log.child(`client ${name}`),
    maxBackoffMs: 500,
  });
  cleanups.defer(() => c.close());
  return c;
}

function watcher(name: string, c: Etcd3 = client(name)): MembershipWatcher {
  const w = watchMembers({ client: c, prefix, log: log.child(name), backoff: FAST });
  cleanups.defer(() => w.close());
  return w;
}

async function join(
  id: string,
  c: Etcd3 = client(id),
  extra: {
    ttlSeconds?: number;
    state?: MemberState;
    keepaliveThread?: boolean;
    staleAfterMs?: number;
  } = {},
) {
  const abort = new AbortController();
  cleanups.defer(() => abort.abort());
  const m = await joinCluster({
    client: c,
    prefix,
    record: record(id, extra.state),
    ttlSeconds: extra.ttlSeconds ?? TTL,
    log: log.child(id),
    backoff: FAST,
    signal: abort.signal,
    ...(extra.keepaliveThread
      ? {
          keepaliveThread: {
            endpoints: [etcd.endpoint],
            ...(extra.staleAfterMs ? { staleAfterMs: extra.staleAfterMs } : {}),
          },
        }
      : {}),
  });
  cleanups.defer(() => m.leave());
  return m;
}

const ids = (view: RingView | null) => (view ? [...view.members.keys()] : null);

function waitForMembers(w: MembershipWatcher, expected: string[], timeoutMs = 5000) {
  return waitUntil(
    `members [${expected.join(',')}] (have [${ids(w.current())?.join(',')}])`,
    () => JSON.stringify(ids(w.current())) === JSON.stringify(expected),
    timeoutMs,
  );
}

function spawnMember(id: string): {
  child: ChildProcess;
  output: () => string;
  registered: Promise<void>;
} {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'ring/testing/member-process.ts',
      '--endpoint',
      etcd.endpoint,
      '--prefix',
      prefix,
      '--id',
      id,
      '--ttl',
      String(TTL),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const registered = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('registered\n')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, sig) =>
      reject(new Error(`member process exited (${code ?? sig}):\n${output}`)),
    );
  });
  registered.catch(() => {});
  return { child, output: () => output, registered };
}

beforeEach(async () => {
  log = createRecordingLogger();
  prefix = `/ringdoc-test-${process.pid}-${seq++}/`;
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

describe('etcd membership (real etcd)', () => {
  it('[R4][R5] three members register and every watcher sees the same ring and epoch', async () => {
    const watchers = [watcher('w1'), watcher('w2'), watcher('w3')];
    await Promise.all(watchers.map((w) => within('watcher ready', w.ready(), 5000)));
    await Promise.all(['n1', 'n2', 'n3'].map((id) => join(id)));
    for (const w of watchers) await waitForMembers(w, ['n1', 'n2', 'n3']);
    const late = watcher('late');
    await late.ready();
    await waitUntil(
      'every watcher at the same epoch',
      () => new Set([...watchers, late].map((w) => w.current()?.epoch)).size === 1,
      5000,
    );

    const views = [...watchers, late].map((w) => w.current()!);
    const first = views[0]!;
    expect(first.ring.members).toEqual(['n1', 'n2', 'n3']);
    expect(first.epoch).toBe(await etcd.revision());
    for (const view of views) {
      expect(view.epoch).toBe(first.epoch);
      expect(view.ring.members).toEqual(first.ring.members);
      for (let i = 0; i < 50; i++)
        expect(view.ring.ownerOf(`doc-${i}`)).toBe(first.ring.ownerOf(`doc-${i}`));
      expect(view.members.get('n2')).toMatchObject({
        id: 'n2',
        state: 'active',
        publicUrl: 'ws://127.0.0.1:4000/n2',
      });
    }
  });

  it('[R4] only active members are in the ring; joining and draining ones are listed with their state', async () => {
    const w = watcher('w');
    await w.ready();
    const a = await join('a', undefined, { state: 'joining' });
    await join('b');
    await waitForMembers(w, ['a', 'b']);
    expect(w.current()!.ring.members).toEqual(['b']);
    await a.setState('active');
    await waitUntil('a active in the ring', () => w.current()!.ring.has('a'), 5000);
    await a.setState('draining');
    await waitUntil('a out of the ring', () => !w.current()!.ring.has('a'), 5000);
    expect(w.current()!.members.get('a')?.state).toBe('draining');
    expect(a.record().state).toBe('draining');
  });

  it('[M2][R6] a graceful leave is seen by the others at once, long before the lease could expire', async () => {
    const w = watcher('w');
    await w.ready();
    const leaving = await join('leaver', undefined, { ttlSeconds: 60 });
    await join('stayer');
    await waitForMembers(w, ['leaver', 'stayer']);
    await leaving.leave();
    expect(leaving.isFenced()).toBe(true);
    // The lease has 60 s to live: seeing the record gone within 5 s proves the revoke removed it.
    await waitForMembers(w, ['stayer'], 5000);
  });

  it('[M4][R6] a SIGKILLed member process disappears once its lease TTL runs out', async () => {
    const w = watcher('w');
    await w.ready();
    const member = spawnMember('victim');
    await within('member process registered', member.registered, 15_000);
    await waitForMembers(w, ['victim']);
    member.child.kill('SIGKILL');
    await new Promise((resolve) => member.child.once('exit', resolve));
    expect(ids(w.current())).toEqual(['victim']);
    await waitForMembers(w, [], TTL * 1000 + 5000);
    expect(w.current()!.ring.members).toEqual([]);
  });

  it('[R5] a watcher cut off while members changed twice and history was compacted re-lists and converges', async () => {
    const proxy = await startTcpProxy(etcd.clientPort);
    cleanups.defer(() => proxy.close());
    const direct = watcher('direct');
    const cutOff = watcher('cut-off', client('cut-off', proxy.endpoint));
    const first = await join('first');
    await waitForMembers(cutOff, ['first']);
    await waitForMembers(direct, ['first']);

    proxy.cut();
    await waitUntil(
      'cut-off watcher noticed the disconnect',
      () => log.find(/\[cut-off\] members watch disconnected/).length > 0,
      10_000,
    );
    await join('second');
    await first.leave();
    await waitForMembers(direct, ['second']);
    const compacted = await etcd.compact();
    expect(ids(cutOff.current())).toEqual(['first']);
    proxy.restore();

    await waitForMembers(cutOff, ['second'], 10_000);
    expect(
      log.find(
        /\[cut-off\] members watch from revision \d+ cancelled by etcd \(history compacted\); re-listing/,
      ),
    ).not.toHaveLength(0);
    expect(log.find(/\[cut-off\] members re-listed at revision/)).not.toHaveLength(0);
    expect(cutOff.current()!.epoch).toBeGreaterThanOrEqual(compacted);
    expect(cutOff.current()!.epoch).toBe(direct.current()!.epoch);
    expect(cutOff.current()!.ring.members).toEqual(['second']);

    await join('third');
    await waitForMembers(cutOff, ['second', 'third']);
  });

  it('[R6] with etcd down at start, joinCluster and watchMembers retry and then work once etcd is up', async () => {
    await etcd.kill();
    const c = client('shared');
    const w = watcher('w', c);
    const joining = join('early', c);
    joining.catch(() => {});
    await waitUntil(
      'retries logged',
      () => log.find(/registration of member early failed \(attempt 2\)/).length > 0,
      20_000,
    );
    expect(
      log.find(/etcd unreachable at http:\/\/127\.0\.0\.1:\d+, retrying in \d+ ms/),
    ).not.toHaveLength(0);
    expect(log.find(/\[w\] members list failed \(attempt \d+\)/)).not.toHaveLength(0);
    expect(w.current()).toBeNull();

    await etcd.restart();
    const m = await within('joinCluster after etcd came up', joining, 20_000);
    expect(m.isFenced()).toBe(false);
    await within('watcher ready', w.ready(), 20_000);
    await waitForMembers(w, ['early'], 10_000);
  });

  it.each([
    ['', false],
    [' (with its keepalive thread)', true],
  ])(
    '[R6] a member whose keepalives are blocked (etcd SIGSTOPped) fences itself within the TTL, and unfences once registered again%s',
    async (_, keepaliveThread) => {
      const observer = watcher('observer');
      await observer.ready();
      const m = await join('paused', undefined, { keepaliveThread });
      await waitForMembers(observer, ['paused']);
      const changes: boolean[] = [];
      m.onFenceChange((fenced) => changes.push(fenced));
      expect(m.isFenced()).toBe(false);

      etcd.pause();
      await waitUntil('member fenced', () => m.isFenced(), TTL * 1000);
      await waitUntil('fence listener called', () => changes.includes(true), 1000);
      etcd.resume();

      await waitUntil('member unfenced', () => !m.isFenced(), 15_000);
      expect(changes).toEqual([true, false]);
      await waitForMembers(observer, ['paused'], 10_000);
      expect(observer.current()!.ring.members).toEqual(['paused']);
    },
  );

  it.each([
    ['', false],
    [' (with its keepalive thread)', true],
  ])(
    '[R6] a member whose lease is revoked behind its back re-registers with a new lease and the same state%s',
    async (_, keepaliveThread) => {
      const c = client('admin');
      const observer = watcher('observer');
      await observer.ready();
      const m = await join('revoked', undefined, { state: 'joining', keepaliveThread });
      await m.setState('active');
      const key = `${prefix}members/revoked`;
      const before = (await c.get(key).exec()).kvs[0]!;
      const changes: boolean[] = [];
      m.onFenceChange((fenced) => changes.push(fenced));

      await c.leaseClient.leaseRevoke({ ID: before.lease });
      await waitUntil(
        're-registered with a new lease',
        async () => {
          const kv = (await c.get(key).exec()).kvs[0];
          return kv !== undefined && kv.lease !== before.lease && !m.isFenced();
        },
        10_000,
      );
      expect(changes).toEqual([true, false]);
      await waitForMembers(observer, ['revoked']);
      expect(observer.current()!.members.get('revoked')?.state).toBe('active');
      expect(log.find(/\[revoked\] lease of member revoked lost; re-registering/)).toHaveLength(1);
    },
  );

  it.each([
    ['is fenced by its own late keepalives', false],
    ['stays unfenced: its keepalive thread kept the lease alive', true],
  ])(
    '[R6] a member whose event loop is blocked longer than the fence threshold %s',
    async (_, keepaliveThread) => {
      const c = client('admin');
      // TTL 3 s: fence threshold 2 s, keepalive every 1 s, so the thread has 1 s of slack.
      const ttlSeconds = 3;
      const m = await join('busy', undefined, { keepaliveThread, ttlSeconds });
      const key = `${prefix}members/busy`;
      const lease = (await c.get(key).exec()).kvs[0]!.lease;
      // Block this event loop for 1.5 TTL: no timer, no keepalive, no I/O of it runs meanwhile.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ttlSeconds * 1500);

      expect(m.isFenced()).toBe(!keepaliveThread);
      // With the thread the lease was never at risk: same lease, no re-registration.
      const kv = (await c.get(key).exec()).kvs[0];
      if (keepaliveThread) expect(kv?.lease).toBe(lease);
      await waitUntil('member unfenced', () => !m.isFenced(), 10_000);
    },
  );

  it.each([
    ['keeps its lease: every isFenced() call is a sign of life', true],
    ['loses its lease once the thread stops renewing (M4: a hung process)', false],
  ])(
    '[R6][M4] a member whose timers never run for longer than the stale limit %s',
    async (_, working) => {
      const c = client('admin');
      // TTL 2 s; the thread stops renewing after 2.5 s without a heartbeat (default max(3 TTL, 10 s))
      const ttlSeconds = 2;
      const m = await join('starved', undefined, {
        keepaliveThread: true,
        ttlSeconds,
        staleAfterMs: 2500,
      });
      const key = `${prefix}members/starved`;
      const lease = (await c.get(key).exec()).kvs[0]!.lease;
      // 6.5 s in which no timer of this event loop runs, as under a backlog of socket reads;
      // the working member asks isFenced() every 20 ms, as the session does per client update.
      const fenced: boolean[] = [];
      const until = Date.now() + 6_500;
      while (Date.now() < until) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        if (working) fenced.push(m.isFenced());
      }
      const kv = (await c.get(key).exec()).kvs[0];
      if (working) {
        expect(fenced.filter(Boolean)).toHaveLength(0);
        expect(kv?.lease).toBe(lease);
        expect(log.find(/event loop silent/)).toHaveLength(0);
      } else {
        // stale after 2.5 s, the lease expired about a TTL after its last renewal
        expect(kv?.lease).not.toBe(lease);
        await waitUntil(
          'the thread said why it stopped',
          () => log.find(/\[starved\] event loop silent for more than 2500 ms/).length === 1,
          5_000,
        );
      }
    },
  );

  it('[R6] a second process cannot take over a member id whose lease is alive', async () => {
    await join('twin');
    const log2 = log.child('twin-2');
    const abort = new AbortController();
    const second = joinCluster({
      client: client('twin-2'),
      prefix,
      record: record('twin'),
      ttlSeconds: TTL,
      log: log2,
      backoff: FAST,
      signal: abort.signal,
    });
    second.catch(() => {});
    await waitUntil(
      'conflict logged',
      () => log.find(/\[twin-2\] registration of member twin failed \(attempt 2\)/).length > 0,
      10_000,
    );
    expect(log.find(/\[twin-2\] registration of member twin failed/)[0]?.fields?.error).toMatch(
      /registered by another process/,
    );
    abort.abort();
    await expect(second).rejects.toThrow();
  });

  it('[R5] an unparsable member record is skipped with a warning; the watcher keeps running', async () => {
    const c = client('writer');
    const w = watcher('w');
    await w.ready();
    await join('good');
    await c.put(`${prefix}members/garbage`).value('{not json');
    await c.put(`${prefix}members/liar`).value(JSON.stringify({ ...record('someone-else') }));
    await c
      .put(`${prefix}members/bad-state`)
      .value(JSON.stringify({ ...record('bad-state'), state: 'sleeping' }));
    await waitUntil(
      'warnings for the three bad records',
      () => log.find(/\[w\] skipping unparsable member record/, 'warn').length === 3,
      5000,
    );
    expect(ids(w.current())).toEqual(['good']);

    await join('later');
    await waitForMembers(w, ['good', 'later']);
    await c.put(`${prefix}members/bad-state`).value(JSON.stringify(record('bad-state')));
    await waitForMembers(w, ['bad-state', 'good', 'later']);
    const late = watcher('late');
    await late.ready();
    expect(ids(late.current())).toEqual(['bad-state', 'good', 'later']);
    expect(
      log.find(/\[late\] skipping unparsable member record at .*(garbage|liar)/, 'warn'),
    ).toHaveLength(2);
  });

  it('[C3][R4] waitForEpoch: a watcher behind an unrelated revision catches up by read; a future epoch times out', async () => {
    const c = client('writer');
    const w = watcher('w');
    await w.ready();
    await join('n1');
    await waitForMembers(w, ['n1']);
    const before = w.current()!.epoch;
    for (let i = 0; i < 3; i++) await c.put(`${prefix}config/unrelated`).value(String(i));
    const newer = watcher('newer');
    const newerEpoch = (await newer.ready()).epoch;
    expect(newerEpoch).toBeGreaterThan(before);
    expect(w.current()!.epoch).toBe(before);

    expect(await w.waitForEpoch(newerEpoch, 2000)).toBe(true);
    expect(w.current()!.epoch).toBeGreaterThanOrEqual(newerEpoch);
    expect(ids(w.current())).toEqual(['n1']);
    expect(await w.waitForEpoch(newerEpoch + 1000, 300)).toBe(false);

    await join('n2');
    await waitForMembers(w, ['n1', 'n2']);
    await waitForMembers(newer, ['n1', 'n2']);
    expect(w.current()!.epoch).toBe(newer.current()!.epoch);
  });

  it('[R5] the async iterator yields the current view and then every change', async () => {
    const w = watcher('w');
    await w.ready();
    const seen: string[][] = [];
    const consume = (async () => {
      for await (const view of w) {
        seen.push([...view.members.keys()]);
        if (seen.length === 3) break;
      }
    })();
    const a = await join('a');
    await waitForMembers(w, ['a']);
    await a.leave();
    await within('iterator saw three views', consume, 5000);
    expect(seen).toEqual([[], ['a'], []]);
  });
});
