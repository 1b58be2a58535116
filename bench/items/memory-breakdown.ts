/**
 * Where the heap of attached idle documents goes (issue 14): starts one node, opens `--docs`
 * documents with one idle editor each, waits until every one is kept encoded, and diffs two V8
 * heap snapshots (before the documents, after) by node type and constructor name, printed as
 * bytes per document. With `--connections N`: where the heap of N idle connections goes
 * instead (spread over 10 empty documents, as the §7 row opens them), per connection.
 * Memory only; no timing.
 *
 *   npx tsx bench/items/memory-breakdown.ts [--docs 200] [--keystrokes 4000] [--top 40]
 *     [--connections N] [--keep <dir>]  (keeps both snapshots there)
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEtcd } from '../../ring/testing/etcd-server.ts';
import { createPortAllocator } from '../../test/harness/ports.ts';
import { type LaunchEnv, startServer } from '../lib/servers.ts';
import { generateTypingTrace } from '../lib/trace.ts';
import { wireFor } from '../lib/wire.ts';
import { openIdleSockets } from './memory.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '200' },
    keystrokes: { type: 'string', default: '4000' },
    top: { type: 'string', default: '40' },
    keep: { type: 'string' },
    connections: { type: 'string' },
  },
});
const connections = values.connections === undefined ? null : Number(values.connections);
const docs = connections ?? Number(values.docs);

interface Totals {
  readonly size: Map<string, number>;
  readonly count: Map<string, number>;
}

/** Self size and count of every live object, keyed by `type:name` (names of strings cut). */
async function summarise(file: string): Promise<Totals> {
  const snap = JSON.parse(await readFile(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const size = new Map<string, number>();
  const count = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType] ?? 0] ?? '?';
    let name = snap.strings[snap.nodes[i + iName] ?? 0] ?? '?';
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      name = '';
    }
    if (type === 'code' || type === 'hidden') name = name.slice(0, 40);
    const key = `${type}:${name}`;
    size.set(key, (size.get(key) ?? 0) + (snap.nodes[i + iSize] ?? 0));
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return { size, count };
}

async function hydrated(host: string, port: number): Promise<number> {
  const text = await (await fetch(`http://${host}:${port}/metrics`)).text();
  const match = /^ringdoc_documents_hydrated (\d+)/m.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

async function snapshot(dir: string, pid: number, take: () => void): Promise<string> {
  const before = new Set(await readdir(dir));
  take();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const added = (await readdir(dir)).filter((f) => !before.has(f) && f.includes(String(pid)));
    const file = added[0];
    if (!file) continue;
    // written when the next snapshot-size poll sees it stable
    const a = (await readFile(path.join(dir, file))).length;
    await new Promise((r) => setTimeout(r, 2000));
    const b = (await readFile(path.join(dir, file))).length;
    if (a === b && a > 0) return path.join(dir, file);
  }
}

const trace = generateTypingTrace({
  keystrokes: Number(values.keystrokes),
  seed: 3,
  clientId: 3003,
});
const encoded = trace.finalState.length;
const root = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-breakdown-'));
const snaps = path.join(root, 'snaps');
await mkdir(snaps);
const etcd = await startEtcd();
const env: LaunchEnv = {
  etcd,
  nextPort: createPortAllocator(),
  root,
  serverCpu: 0,
  nextPrefix: () => '/breakdown/',
  niceness: null,
};
const server = await startServer('ours-1', env, {
  nodeFlags: ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${snaps}`],
});
try {
  const wire = wireFor('ours-1');
  // warm-up: every code path once, then its documents unload
  const warm = await openIdleSockets(
    server.host,
    server.port,
    wire,
    ['w0', 'w1'],
    trace.finalState,
  );
  for (const s of warm) s.close();
  const memBefore = await server.memory();
  const base = await snapshot(snaps, server.pid, () => process.kill(server.pid, 'SIGUSR1'));
  const ids = Array.from({ length: docs }, (_, i) => (connections ? `c${i % 10}` : `d${i}`));
  const sockets = await openIdleSockets(
    server.host,
    server.port,
    wire,
    ids,
    connections ? null : trace.finalState,
  );
  const deadline = Date.now() + 120_000;
  while (!connections && Date.now() < deadline && (await hydrated(server.host, server.port)) > 0) {
    await new Promise((r) => setTimeout(r, 1000));
  }
  const left = await hydrated(server.host, server.port);
  const memAfter = await server.memory();
  const mb = (n: number | null) => (n === null ? '–' : `${(n / 1048576).toFixed(1)} MiB`);
  for (const [what, m] of [
    ['before', memBefore],
    ['after', memAfter],
  ] as const) {
    console.log(
      `${what}: rssAnon ${mb(m.rssAnon)}, heapUsed ${mb(m.heapUsed)}, external ${mb(m.external)}`,
    );
  }
  const after = await snapshot(snaps, server.pid, () => process.kill(server.pid, 'SIGUSR1'));
  for (const s of sockets) s.close();
  if (process.env.DBG) console.log(server.output());
  if (values.keep) {
    await mkdir(values.keep, { recursive: true });
    await copyFile(base, path.join(values.keep, 'before.heapsnapshot'));
    await copyFile(after, path.join(values.keep, 'after.heapsnapshot'));
  }
  const [a, b] = [await summarise(base), await summarise(after)];
  const rows: Array<[string, number, number]> = [];
  for (const key of new Set([...a.size.keys(), ...b.size.keys()])) {
    const bytes = (b.size.get(key) ?? 0) - (a.size.get(key) ?? 0);
    const n = (b.count.get(key) ?? 0) - (a.count.get(key) ?? 0);
    rows.push([key, bytes / docs, n / docs]);
  }
  rows.sort((x, y) => y[1] - x[1]);
  const total = rows.reduce((sum, r) => sum + r[1], 0);
  console.log(
    connections
      ? `${connections} idle connections over 10 documents; heap objects per connection: ${total.toFixed(0)} B`
      : `document ${encoded} B encoded; ${docs} docs, ${left} still hydrated; heap objects per document: ${total.toFixed(0)} B (${(total / encoded).toFixed(2)}× encoded)`,
  );
  for (const [key, bytes, n] of rows.slice(0, Number(values.top))) {
    console.log(`${bytes.toFixed(0).padStart(8)} B  ${n.toFixed(2).padStart(7)} objs  ${key}`);
  }
} finally {
  await server.stop();
  await etcd.stop();
  await rm(root, { recursive: true, force: true });
}
