/**
 * What a lease keepalive costs etcd, sent as a node sends it (issue 14, DESIGN R6): through a
 * gRPC keepalive stream (etcd3's automatic keepalive, what the event loop's own keepalives
 * use) and through etcd's JSON gateway, one HTTP request each (`POST /v3/lease/keepalive`, what
 * the keepalive thread of `ring/etcd/keepalive-thread.ts` sends). N leases, one keepalive each
 * every TTL/3 for `--seconds`, etcd's CPU from /proc; a real etcd (Debian's etcd-server).
 *
 *   npx tsx bench/scale/keepalive-cost.bench.ts [--leases 1000] [--ttl 5] [--seconds 10]
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import type { Lease } from 'etcd3';
import { createEtcdClient } from '../../ring/index.ts';
import { startEtcd } from '../../ring/testing/index.ts';
import { createSilentLogger } from '../../server/log.ts';

const args = process.argv.slice(2);
const value = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const LEASES = Number(value('leases', '1000'));
const TTL = Number(value('ttl', '5'));
const SECONDS = Number(value('seconds', '10'));
const INTERVAL_MS = (TTL * 1000) / 3;

/** etcd CPU seconds (utime + stime, clock ticks of 100 Hz) used over the next `ms`. */
async function measure(pid: number, ms: number): Promise<number> {
  const ticks = async () => {
    const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    return Number(stat[11]) + Number(stat[12]);
  };
  const before = await ticks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ((await ticks()) - before) / 100;
}

const etcd = await startEtcd({ quotaBackendBytes: 1024 * 1024 * 1024 });
const client = createEtcdClient({ endpoints: [etcd.endpoint], log: createSilentLogger() });
const pid = etcd.pid() as number;
try {
  // 1. gRPC stream keepalives (etcd3 automatic keepalive: every TTL/3 per lease).
  const leases: Lease[] = [];
  for (let i = 0; i < LEASES; i++) {
    const lease = client.lease(TTL, { autoKeepAlive: true });
    await lease.grant();
    leases.push(lease);
  }
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
  const stream = await measure(pid, SECONDS * 1000);
  await Promise.all(leases.map((l) => l.revoke()));

  // 2. JSON gateway keepalives: one POST per lease every TTL/3 over keep-alive connections.
  const ids: string[] = [];
  for (let i = 0; i < LEASES; i++) {
    ids.push(String((await client.leaseClient.leaseGrant({ TTL })).ID));
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let answered = 0;
  let failed = 0;
  const post = (id: string) =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ ID: id });
      const request = http.request(
        new URL('/v3/lease/keepalive', etcd.endpoint),
        { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) answered++;
            else failed++;
            resolve();
          });
        },
      );
      request.on('error', () => {
        failed++;
        resolve();
      });
      request.end(body);
    });
  const timers = ids.map((id, i) => {
    const start = setTimeout(
      () => {
        void post(id);
        timers[i] = setInterval(() => void post(id), INTERVAL_MS);
      },
      (i / LEASES) * INTERVAL_MS,
    );
    return start;
  });
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
  const gateway = await measure(pid, SECONDS * 1000);
  for (const t of timers) clearInterval(t);
  agent.destroy();

  const perSecond = LEASES / (TTL / 3);
  const line = (what: string, cpu: number) =>
    `  ${what}: etcd CPU ${((cpu / SECONDS) * 100).toFixed(1)} % of one core, ${((cpu / (perSecond * SECONDS)) * 1e6).toFixed(1)} µs per keepalive`;
  console.log(
    `etcd keepalive cost: ${LEASES} leases, TTL ${TTL} s, one keepalive per lease every ${(TTL / 3).toFixed(2)} s (${perSecond.toFixed(0)}/s), ${SECONDS} s each, ${os.cpus().length} cores`,
  );
  console.log(line('gRPC stream (etcd3 automatic keepalive)', stream));
  console.log(line('JSON gateway (POST /v3/lease/keepalive, keep-alive HTTP)', gateway));
  console.log(
    `  gateway / stream: ${(gateway / stream).toFixed(2)}x (${answered} gateway answers, ${failed} failed)`,
  );
} finally {
  client.close();
  await etcd.stop();
}
process.exit(0);
