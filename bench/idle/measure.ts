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
    ...(profileDir || process.env.NODE_PRELOAD
      ? {
          NODE_OPTIONS: [
            profileDir ? '--inspect=127.0.0.1:0' : '',
            process.env.NODE_PRELOAD ? `--import ${process.env.NODE_PRELOAD}` : '',
          ].join(' '),
        }
      : {}),
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
          return s;
        }),
      )
    : [];
  const etcdPid = cluster.etcd.pid();

  /**
   * Runs `work` with every node profiled (when a profile dir was given) and prints CPU % per
   * node and etcd, and each profile's split; returns the nodes' CPU seconds and the split of
   * all nodes together.
   */
  const window = async (label: string, work: () => Promise<void>) => {
    for (const s of sessions) await s.send('Profiler.start');
    const before = pids.map(cpuOf);
    const etcdBefore = etcdPid ? cpuOf(etcdPid) : 0;
    const t0 = performance.now();
    await work();
    const wall = (performance.now() - t0) / 1000;
    const used = pids.map((pid, i) => cpuOf(pid) - before[i]!);
    const etcdUsed = etcdPid ? cpuOf(etcdPid) - etcdBefore : 0;
    const open = clients.filter((c) => c.closeCode === null).length;
    console.log(
      `${label} ${wall.toFixed(1)} s, ${docs} documents, ${open}/${clients.length} editors connected`,
    );
    for (const [i, node] of cluster.nodes.entries()) {
      console.log(`  ${node.id}: ${((used[i]! / wall) * 100).toFixed(2)} % of a core`);
    }
    const total = used.reduce((a, b) => a + b, 0);
    console.log(`  nodes together: ${((total / wall) * 100).toFixed(2)} % of a core`);
    console.log(`  etcd: ${((etcdUsed / wall) * 100).toFixed(2)} % of a core`);
    const all = path.join(profileDir ?? '', label, 'all');
    for (const [i, s] of sessions.entries()) {
      const { profile } = (await s.send('Profiler.stop')) as { profile: unknown };
      const dir = path.join(profileDir!, label, cluster.nodes[i]!.id);
      await mkdir(dir, { recursive: true });
      await mkdir(all, { recursive: true });
      await writeFile(path.join(dir, 'node.cpuprofile'), JSON.stringify(profile));
      await writeFile(
        path.join(all, `${cluster.nodes[i]!.id}.cpuprofile`),
        JSON.stringify(profile),
      );
      const summary = await summarizeProfile(dir, 15);
      const split = await profileSplit(dir);
      console.log(
        `profile ${cluster.nodes[i]!.id}: busy ${((summary?.busyShare ?? 0) * 100).toFixed(2)} % of samples`,
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
    return { cpuSeconds: total, split: sessions.length ? await profileSplit(all) : null };
  };

  const mark = async (name: string) => {
    if (!process.env.IDLE_MARK_DIR) return;
    await writeFile(path.join(process.env.IDLE_MARK_DIR, name), '');
    // a preload watching the directory (NODE_PRELOAD) gets time to see the mark
    await new Promise((r) => setTimeout(r, 1000));
  };
  await window('idle', async () => {
    await mark('idle-start');
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await mark('idle-end');
  });

  // BUSY_RATE: then edits at that rate (round-robin over the editors) for BUSY_SECONDS, every
  // node profiled over that window only: µs of CPU per update, split by area.
  const busyRate = Number(process.env.BUSY_RATE ?? 0);
  if (busyRate > 0 && clients.length > 0) {
    const busySeconds = Number(process.env.BUSY_SECONDS ?? 6);
    let sent = 0;
    const { cpuSeconds, split } = await window(`busy-${busyRate}`, async () => {
      const t0 = performance.now();
      while (performance.now() - t0 < busySeconds * 1000) {
        const due = Math.floor(((performance.now() - t0) * busyRate) / 1000);
        for (; sent < due; sent++) clients[sent % clients.length]!.type('x');
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(clients.map((c) => c.waitAcked()));
    });
    const per = (cpuSeconds * 1e6) / Math.max(1, sent);
    console.log(`busy: ${sent} updates, ${per.toFixed(0)} µs of node CPU per update (all nodes)`);
    if (split) {
      console.log(
        `  per update: ${SPLIT_AREAS.filter((k) => split.shares[k] > 0.005)
          .map((k) => `${k} ${(split.shares[k] * per).toFixed(0)} µs`)
          .join(', ')}`,
      );
    }
  }
  for (const s of sessions) s.close();
} finally {
  for (const c of clients) c.close();
  await cluster.stop();
}
