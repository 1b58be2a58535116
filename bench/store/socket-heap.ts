/**
 * Heap per idle connection of a real `ringdoc node` (issue 14): live heap (after full GCs,
 * via `bench/peers/probe.mjs`) with `--sockets` synced, idle ringdoc connections (two per
 * document) minus the heap with the documents loaded and one socket each, per extra socket.
 * `--root` runs another checkout's node (e.g. `/work/main`) for a before/after in one run.
 *
 *   npx tsx bench/store/socket-heap.ts [--sockets 1000] [--root /work/main]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEtcd } from '../../ring/testing/etcd-server.ts';
import { findFreePort } from '../../ring/testing/free-port.ts';
import { waitFor } from '../../test/harness/node-process.ts';
import { RawClient } from '../../test/harness/raw-client.ts';

const here = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '1000' },
    root: { type: 'string', default: here },
  },
});
const sockets = Number(values.sockets);
const root = resolve(values.root);
const LIMITS =
  'connectionAttemptsPerSecond=1000000,connectionAttemptBurst=1000000,nodeConnectionsPerSecond=1000000,nodeConnectionBurst=1000000';

function heapOf(child: ChildProcess): Promise<number> {
  return new Promise((resolvePromise) => {
    const onData = (chunk: Buffer) => {
      const line = chunk
        .toString()
        .split('\n')
        .find((l) => l.startsWith('BENCH_MEM '));
      if (!line) return;
      child.stderr?.off('data', onData);
      resolvePromise((JSON.parse(line.slice(10)) as { heapUsed: number }).heapUsed);
    };
    child.stderr?.on('data', onData);
    child.kill('SIGUSR2');
  });
}

const etcd = await startEtcd();
const scratch = await mkdtemp(join(tmpdir(), 'ringdoc-socket-heap-'));
const port = await findFreePort();
const child = spawn(
  process.execPath,
  [
    '--expose-gc',
    '--import',
    join(here, 'bench/peers/probe.mjs'),
    join(root, 'bin/ringdoc.mjs'),
    'node',
    '--id',
    'n1',
    '--port',
    String(port),
    '--etcd',
    etcd.endpoint,
    '--data',
    join(scratch, 'data'),
    '--prefix',
    '/heap/',
    '--limits',
    LIMITS,
    '--insecure-dev-secret',
  ],
  {
    cwd: root,
    env: { ...process.env, RINGDOC_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
const clients: RawClient[] = [];
try {
  await waitFor(
    'node ready',
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200,
    60_000,
  );
  const docs = Math.max(1, Math.floor(sockets / 2));
  const open = async (d: number) => {
    const c = new RawClient(`ws://127.0.0.1:${port}`, `heap-${d}`);
    clients.push(c);
    await c.opened();
    await c.waitSynced();
  };
  for (let d = 0; d < docs; d += 50) {
    await Promise.all(Array.from({ length: Math.min(50, docs - d) }, (_, i) => open(d + i)));
  }
  const before = await heapOf(child);
  for (let d = 0; d < docs; d += 50) {
    await Promise.all(Array.from({ length: Math.min(50, docs - d) }, (_, i) => open(d + i)));
  }
  const after = await heapOf(child);
  console.log(
    JSON.stringify(
      {
        root,
        docs,
        extraSockets: docs,
        heapPerIdleSocketBytes: Math.round((after - before) / docs),
      },
      null,
      2,
    ),
  );
} finally {
  for (const c of clients) c.close();
  child.kill('SIGKILL');
  await etcd.stop();
  await rm(scratch, { recursive: true, force: true });
}
