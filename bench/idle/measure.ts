/**
 * What a cluster spends while nobody types (issue 14): 3 nodes as the bench runs ours
 * (`--replicas 2 --durability replica`, lease TTL 5 s, real etcd), DOCS documents with
 * EDITORS connected editors each (every editor straight to its document's owner, one edit per
 * document to load it, then no edits) for SECONDS: CPU % of a core per node and of etcd, and a
 * CPU profile of every node taken over the idle window only (through the inspector), split by
 * `bench/lib/profile.ts`.
 * `DOCS=200 EDITORS=2 SECONDS=30 npx tsx bench/idle/measure.ts [profile-dir]`
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { startCluster } from '../../test/harness/cluster.ts';
import { waitFor } from '../../test/harness/node-process.ts';
import { RawClient } from '../../test/harness/raw-client.ts';
import { profileSplit, SPLIT_AREAS, summarizeProfile } from '../lib/profile.ts';
import { OURS_LIMITS } from '../lib/servers.ts';

const docs = Number(process.env.DOCS ?? 200);
const editors = Number(process.env.EDITORS ?? 2);
const seconds = Number(process.env.SECONDS ?? 30);
const profileDir = process.argv[2];

/** CPU seconds (user + system) of `pid` so far. */
const cpuOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** A minimal inspector session: Profiler.start / Profiler.stop over the node's debugger socket. */
async function inspector(url: string) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { send, close: () => ws.close() };
}

const cluster = await startCluster({
  nodes: 3,
  leaseTtl: 5,
  nodeArgs: ['--replicas', '2', '--durability', 'replica', '--limits', OURS_LIMITS],
  nodeEnv: {
    RINGDOC_LOG_LEVEL: 'warn',
    ...(profileDir ? { NODE_OPTIONS: '--inspect=127.0.0.1:0' } : {}),
  },
});
const clients: RawClient[] = [];
try {
  await cluster.waitForRing(cluster.nodes.map((n) => n.id));
  const pids = cluster.nodes.map((node) =>
    Number(
      execFileSync('pgrep', ['-f', '--', `ringdoc.mjs node .*--port ${node.port} `])
        .toString()
        .trim()
        .split('\n')[0],
    ),
  );
  for (let d = 0; d < docs; d++) {
    const docId = `idle-${d}`;
    const url = (await cluster.ownerOf(docId)).url;
    for (let e = 0; e < editors; e++) clients.push(new RawClient(url, docId));
    if (clients.length % 100 === 0) await Promise.all(clients.map((c) => c.opened()));
  }
  await Promise.all(clients.map((c) => c.opened()));
  await Promise.all(clients.map((c) => c.waitSynced()));
  // one edit per document: every document holds content and has been replicated
  for (let i = 0; i < clients.length; i += editors) clients[i]!.type('x');
  await Promise.all(clients.map((c) => c.waitAcked()));
  // let the journal's idle windows, replication and any follow-up passes settle
  await new Promise((r) => setTimeout(r, Number(process.env.SETTLE_MS ?? 5000)));

  const sessions = profileDir
    ? await Promise.all(
        cluster.nodes.map(async (node) => {
          let url = '';
          await waitFor(`inspector of ${node.id}`, () => {
            url = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(node.output())?.[0] ?? '';
            return url !== '';
          });
          const s = await inspector(url);
          await s.send('Profiler.enable');
          await s.send('Profiler.setSamplingInterval', {
            interval: Number(process.env.SAMPLE_US ?? 1000),
          });
          await s.send('Profiler.start');
          return s;
        }),
      )
    : [];
  const etcdPid = cluster.etcd.pid();
  const before = pids.map(cpuOf);
  const etcdBefore = etcdPid ? cpuOf(etcdPid) : 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (performance.now() - t0) / 1000;
  const used = pids.map((pid, i) => cpuOf(pid) - before[i]!);
  const etcdUsed = etcdPid ? cpuOf(etcdPid) - etcdBefore : 0;
  const open = clients.filter((c) => c.closeCode === null).length;
  console.log(
    `idle ${wall.toFixed(1)} s, ${docs} documents, ${open}/${clients.length} editors connected`,
  );
  for (const [i, node] of cluster.nodes.entries()) {
    console.log(`  ${node.id}: ${((used[i]! / wall) * 100).toFixed(2)} % of a core`);
  }
  const total = used.reduce((a, b) => a + b, 0);
  console.log(`  nodes together: ${((total / wall) * 100).toFixed(2)} % of a core`);
  console.log(`  etcd: ${((etcdUsed / wall) * 100).toFixed(2)} % of a core`);
  for (const [i, s] of sessions.entries()) {
    const { profile } = (await s.send('Profiler.stop')) as { profile: unknown };
    s.close();
    const dir = path.join(profileDir!, cluster.nodes[i]!.id);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'idle.cpuprofile'), JSON.stringify(profile));
    const summary = await summarizeProfile(dir, 15);
    const split = await profileSplit(dir);
    console.log(
      `profile ${cluster.nodes[i]!.id}: busy ${((summary?.busyShare ?? 0) * 100).toFixed(2)} %`,
    );
    if (split) {
      console.log(
        `  split: ${SPLIT_AREAS.filter((k) => split.shares[k] > 0.005)
          .map((k) => `${k} ${(split.shares[k] * 100).toFixed(0)} %`)
          .join(', ')}`,
      );
    }
    for (const f of summary?.functions ?? []) {
      console.log(`  ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
    }
  }
} finally {
  for (const c of clients) c.close();
  await cluster.stop();
}
