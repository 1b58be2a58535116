/**
 * CPU profile of one real `ringdoc node` at load (issue 14), with the per-update split
 * (journal, Yjs, transport, documents, GC, …) computed from the profile's samples taken while
 * the load ran, divided by the updates the node applied meanwhile (its own metric).
 *
 *   npx tsx bench/store/profile-node.ts [--docs 100] [--rate 2000] [--seconds 15]
 *
 * `--root /work/main --label main-node-load` profiles another checkout (before/after). Writes
 * `bench/results/<date>-<label>.cpuprofile` and `…-<label>-split.json` (label `node-load`), and prints
 * the split. V8's profile covers the main thread only: the journal's write + fdatasync on the
 * libuv pool are not in it (see `store.bench.ts` for the store's whole-process CPU). The load
 * generator runs in this process (on the other core): it is not in the node's profile.
 */

import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEtcd } from '../../ring/testing/etcd-server.ts';
import { findFreePort } from '../../ring/testing/free-port.ts';
import { waitFor } from '../../test/harness/node-process.ts';
import { RawClient } from '../../test/harness/raw-client.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '100' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    /** Another checkout to run the node from (e.g. `/work/main`: the before of a before/after). */
    root: { type: 'string' },
    label: { type: 'string', default: 'node-load' },
  },
});
const nodeRoot = values.root ?? process.cwd();
const docs = Number(values.docs);
const rate = Number(values.rate);
const seconds = Number(values.seconds);

const LIMITS =
  'connectionAttemptsPerSecond=1000000,connectionAttemptBurst=1000000,nodeConnectionsPerSecond=1000000,nodeConnectionBurst=1000000';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const CATEGORIES: readonly [string, (url: string, fn: string) => boolean][] = [
  ['GC', (url, fn) => url === '' && fn === '(garbage collector)'],
  ['idle', (url, fn) => url === '' && (fn === '(idle)' || fn === '(program)')],
  ['journal (server/persistence)', (url) => url.includes('/server/persistence/')],
  ['Yjs (yjs, lib0, y-protocols)', (url) => /node_modules\/(yjs|lib0|y-protocols)\//.test(url)],
  [
    'transport (uWS, server/transport, server/protocol)',
    (url) => /uWebSockets|\/server\/transport\/|\/server\/protocol\//.test(url),
  ],
  ['documents (room, session, registry)', (url) => url.includes('/server/documents/')],
  ['limits + metrics', (url) => /\/server\/(limits|http)\/|node-metrics/.test(url)],
  ['other ringdoc', (url) => url.includes('/server/')],
  ['node internals', (url) => url.startsWith('node:') || url.startsWith('internal/')],
  ['native / builtins', (url) => url === ''],
  ['other JS', () => true],
];

async function metric(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

const etcd = await startEtcd();
const root = await mkdtemp(join(tmpdir(), 'ringdoc-profile-'));
const profileDir = join(root, 'profile');
// (the node's own files live under `root`; `nodeRoot` is the checkout it runs from)
await mkdir(profileDir);
const port = await findFreePort();
const httpUrl = `http://127.0.0.1:${port}`;
// `--cpu-prof` is refused in NODE_OPTIONS: the node is started with it directly
const child = spawn(
  process.execPath,
  [
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
    join(nodeRoot, 'bin/ringdoc.mjs'),
    'node',
    '--id',
    'n1',
    '--port',
    String(port),
    '--etcd',
    etcd.endpoint,
    '--data',
    join(root, 'data'),
    '--prefix',
    '/profile/',
    '--limits',
    LIMITS,
    '--insecure-dev-secret',
  ],
  {
    cwd: nodeRoot,
    env: { ...process.env, RINGDOC_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
const node = {
  url: `ws://127.0.0.1:${port}`,
  httpUrl,
  running: true,
  async start() {
    await waitFor(
      'node ready',
      async () => (await fetch(`${httpUrl}/readyz`).catch(() => null))?.status === 200,
    );
  },
  async stop() {
    if (!this.running) return;
    this.running = false;
    child.kill('SIGTERM');
    await exited;
  },
};
const clients: RawClient[] = [];
try {
  await node.start();
  for (let d = 0; d < docs; d++) {
    for (let e = 0; e < 2; e++) clients.push(new RawClient(node.url, `profile-${d}`));
  }
  await Promise.all(clients.map((c) => c.opened()));
  await Promise.all(clients.map((c) => c.waitSynced()));
  const appliedBefore = await metric(node.httpUrl, 'ringdoc_updates_applied_total');
  const startNs = process.hrtime.bigint();
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  let next = 0;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (let i = 0; i < perTick; i++) {
        clients[next % clients.length]?.type('x');
        next++;
        sent++;
      }
      if (process.hrtime.bigint() - startNs > BigInt(seconds) * 1_000_000_000n) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  const endNs = process.hrtime.bigint();
  await Promise.all(clients.map((c) => c.waitAcked()));
  const applied = (await metric(node.httpUrl, 'ringdoc_updates_applied_total')) - appliedBefore;
  const closed = clients.filter((c) => c.closeCode !== null).length;
  for (const c of clients) c.close();
  await node.stop();

  // the node process writes one profile (the largest file if a launcher wrote its own too)
  const files = await Promise.all(
    (await readdir(profileDir)).map(async (name) => ({
      name,
      size: (await stat(join(profileDir, name))).size,
    })),
  );
  const main = files.sort((a, b) => b.size - a.size)[0];
  if (!main) throw new Error('no CPU profile written');
  const profile = JSON.parse(await readFile(join(profileDir, main.name), 'utf8')) as CpuProfile;
  const category = new Map<number, string>();
  for (const n of profile.nodes) {
    const { url, functionName } = n.callFrame;
    category.set(n.id, CATEGORIES.find(([, match]) => match(url, functionName))?.[0] ?? 'other JS');
  }
  const fromUs = Number(startNs / 1000n);
  const toUs = Number(endNs / 1000n);
  const micros = new Map<string, number>();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) return;
    const name = category.get(id) ?? 'other JS';
    micros.set(name, (micros.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  const busy = [...micros].filter(([name]) => name !== 'idle').reduce((n, [, us]) => n + us, 0);
  const split = Object.fromEntries(
    [...micros]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => [name, Number((us / Math.max(1, applied)).toFixed(2))]),
  );
  const day = new Date().toISOString().slice(0, 10);
  const result = {
    when: new Date().toISOString(),
    load: { docs, editorsPerDoc: 2, targetUpdatesPerSecond: rate, seconds, sent },
    node: { root: nodeRoot, updatesApplied: applied, closedSockets: closed },
    busyMicrosPerUpdate: Number((busy / Math.max(1, applied)).toFixed(2)),
    microsPerUpdate: split,
    profile: `${day}-${values.label}.cpuprofile`,
    note: 'main thread only (V8 profile); the journal write + fdatasync run on the libuv pool',
  };
  await mkdir('bench/results', { recursive: true });
  await copyFile(
    join(profileDir, main.name),
    join('bench/results', `${day}-${values.label}.cpuprofile`),
  );
  await writeFile(
    join('bench/results', `${day}-${values.label}-split.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const c of clients) c.close();
  if (node.running) await node.stop();
  await etcd.stop();
  await rm(root, { recursive: true, force: true });
}
