/**
 * etcd at 1,000 members (issue 20, DESIGN R5/R6/R7): a real etcd (Debian's etcd-server on
 * loopback) with 1,000 simulated members from this one process — each a lease (kept alive like
 * a node's, every TTL/3), a member record like a node's, and a watch of `members/` like a
 * node's. Measures what one membership change costs etcd and the cluster: watch events
 * delivered, bytes etcd sent (its own gRPC counter), time until every member saw it; and what
 * the idle cluster costs: etcd CPU for the keepalives, keys and database size.
 *
 *   npx tsx bench/scale/etcd-scale.bench.ts [--members 1000] [--ttl 5] [--out bench/results]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Lease, Watcher } from 'etcd3';
import {
  createEtcdClient,
  createKeyspace,
  encodeMemberRecord,
  type MemberRecord,
} from '../../ring/index.ts';
import { startEtcd } from '../../ring/testing/index.ts';
import { createSilentLogger } from '../../server/log.ts';

const args = process.argv.slice(2);
const value = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const MEMBERS = Number(value('members', '1000'));
const TTL = Number(value('ttl', '5'));
const OUT = value('out', '');
const keys = createKeyspace('/ringdoc-scale/');

const record = (id: string): MemberRecord => ({
  id,
  publicUrl: `wss://${id}.nodes.example.com:4001`,
  internalUrl: `ws://${id}.internal.example.com:4001`,
  build: '0.1.0+bench',
  protocol: { min: 1, max: 1 },
  state: 'active',
  startedAt: Date.now(),
});

/** etcd's own counters from its `/metrics` (client URL). */
async function etcdMetrics(endpoint: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([^\s{]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const name = match[1] as string;
    out.set(name, (out.get(name) ?? 0) + Number(match[3]));
  }
  return out;
}

/** CPU seconds etcd used so far (utime + stime from /proc). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(stat[11]) + Number(stat[12]);
  return ticks / 100;
}

const etcd = await startEtcd({ quotaBackendBytes: 1024 * 1024 * 1024 });
const client = createEtcdClient({ endpoints: [etcd.endpoint], log: createSilentLogger() });
const leases: Lease[] = [];
const watchers: Watcher[] = [];
try {
  const t0 = performance.now();
  for (let i = 0; i < MEMBERS; i++) {
    const lease = client.lease(TTL, { autoKeepAlive: true });
    leases.push(lease);
    const id = `m${i + 1}`;
    await lease.put(keys.memberKey(id)).value(encodeMemberRecord(record(id)));
  }
  const registerMs = performance.now() - t0;

  let delivered = 0;
  let wanted = 0;
  let allSeen: () => void = () => {};
  const seen = new Set<number>();
  for (let i = 0; i < MEMBERS; i++) {
    const watcher = await client.watch().prefix(keys.membersPrefix).create();
    watcher.on('put', () => {
      delivered++;
      seen.add(i);
      if (seen.size >= wanted) allSeen();
    });
    watcher.on('delete', () => {
      delivered++;
      seen.add(i);
      if (seen.size >= wanted) allSeen();
    });
    watchers.push(watcher);
  }

  // The idle cluster: keepalives only, for 10 s.
  const pid = etcd.pid() as number;
  const cpu0 = await cpuSeconds(pid);
  const idleStart = performance.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const idleCpu = (await cpuSeconds(pid)) - cpu0;
  const idleSeconds = (performance.now() - idleStart) / 1000;

  const change = async (what: string, act: () => Promise<unknown>) => {
    const before = await etcdMetrics(etcd.endpoint);
    const deliveredBefore = delivered;
    seen.clear();
    wanted = MEMBERS;
    const done = new Promise<void>((resolve) => {
      allSeen = resolve;
    });
    const start = performance.now();
    await act();
    await done;
    const ms = performance.now() - start;
    const after = await etcdMetrics(etcd.endpoint);
    const sent =
      (after.get('etcd_network_client_grpc_sent_bytes_total') ?? 0) -
      (before.get('etcd_network_client_grpc_sent_bytes_total') ?? 0);
    return { what, events: delivered - deliveredBefore, bytesSent: sent, allSeenMs: ms };
  };

  const joined = await change('a member joins (record put)', async () => {
    const lease = client.lease(TTL, { autoKeepAlive: true });
    leases.push(lease);
    await lease.put(keys.memberKey('joiner')).value(encodeMemberRecord(record('joiner')));
  });
  const left = await change('a member leaves (lease revoked)', () => (leases[0] as Lease).revoke());
  const metrics = await etcdMetrics(etcd.endpoint);
  const result = {
    members: MEMBERS,
    ttlSeconds: TTL,
    registerMs,
    idle: {
      etcdCpuPercent: (100 * idleCpu) / idleSeconds,
      keepalivesPerSecond: MEMBERS / (TTL / 3),
    },
    changes: [joined, left],
    keys: MEMBERS,
    dbBytes: metrics.get('etcd_mvcc_db_total_size_in_bytes') ?? null,
    recordBytes: encodeMemberRecord(record('m1000')).length,
    loadavg: os.loadavg(),
  };
  console.log(
    `etcd at ${MEMBERS} members (TTL ${TTL} s, keepalive every ${(TTL / 3).toFixed(1)} s):`,
  );
  console.log(
    `  registering ${MEMBERS} members took ${(registerMs / 1000).toFixed(1)} s; idle: etcd CPU ${result.idle.etcdCpuPercent.toFixed(1)} % of one core (about ${result.idle.keepalivesPerSecond.toFixed(0)} keepalives/s)`,
  );
  for (const c of result.changes) {
    console.log(
      `  ${c.what}: ${c.events} watch events, ${(c.bytesSent / 1024).toFixed(0)} KiB sent by etcd (${(c.bytesSent / Math.max(1, c.events)).toFixed(0)} B per event), every member saw it after ${c.allSeenMs.toFixed(0)} ms`,
    );
  }
  console.log(
    `  etcd database ${((result.dbBytes ?? 0) / 1024 / 1024).toFixed(1)} MiB (members only); member record ${result.recordBytes} B`,
  );
  if (OUT) {
    await mkdir(OUT, { recursive: true });
    const file = path.join(OUT, `${new Date().toISOString().slice(0, 10)}-etcd-scale.json`);
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written ${file}`);
  }
} finally {
  await Promise.allSettled(watchers.map((w) => w.cancel()));
  for (const lease of leases) lease.release();
  client.close();
  await etcd.stop();
}
