/**
 * The durable R = 2 path as users run it (issue 14): a real 3-node cluster (`--replicas 2
 * --durability replica`, every node pinned to one core, as in `bench/run.ts`) driven by load
 * generator child processes (`bench/lib/load.ts`: 2 editors per document, per-token accounting)
 * at each offered rate. Prints and writes, per rate: achieved updates/s, ack p50/p95,
 * propagation p50/p99, the nodes' CPU per update (/proc, all three nodes together) and the
 * generators' CPU (a client-bound step measured the generator, not the nodes).
 *
 *   npx tsx bench/store/replicated-load.ts [--docs 200] [--rates 500,1000,2000] [--seconds 10]
 *
 * `--root /work/main --label main-replicated-load` runs the nodes from another checkout (the
 * before of a before/after). Writes `bench/results/<date>-<label>.json` (label
 * `replicated-load`).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEtcd } from '../../ring/testing/etcd-server.ts';
import { createPortAllocator } from '../../test/harness/ports.ts';
import type { TraceSpec } from '../lib/generator.ts';
import { openLoad, type StepResult } from '../lib/load.ts';
import { type LaunchEnv, startGroup } from '../lib/servers.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '200' },
    rates: { type: 'string', default: '500,1000,2000' },
    seconds: { type: 'string', default: '10' },
    generators: { type: 'string', default: '2' },
    /** Another checkout to run the nodes from (e.g. `/work/main`). */
    root: { type: 'string' },
    label: { type: 'string', default: 'replicated-load' },
  },
});
const docs = Number(values.docs);
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const generators = Number(values.generators);

/** What one offered rate measured (latencies in ms, CPU in µs per update). */
interface RateRow {
  readonly offered: number;
  readonly achieved: number;
  readonly ackP50: number | null;
  readonly ackP95: number | null;
  readonly propagationP50: number;
  readonly propagationP99: number;
  readonly nodeCpuMicrosPerUpdate: number;
  readonly nodeCpuCores: number;
  readonly generatorCpuCores: number;
  readonly clientBound: boolean;
  readonly lost: number;
  readonly closedSockets: number;
  readonly closeCodes: Record<string, number>;
}

function rowOf(step: StepResult): RateRow {
  const round = (n: number) => Number(n.toFixed(2));
  return {
    offered: step.rate,
    achieved: round(step.achievedRate),
    ackP50: step.ack ? round(step.ack.p50) : null,
    ackP95: step.ack ? round(step.ack.p95) : null,
    propagationP50: round(step.propagation.p50),
    propagationP99: round(step.propagation.p99),
    nodeCpuMicrosPerUpdate: round((step.serverCpuSeconds * 1e6) / Math.max(1, step.sent)),
    nodeCpuCores: round(step.serverCpu),
    generatorCpuCores: round(step.clientCpu),
    clientBound: step.clientBound,
    lost: step.undeliveredAtDrain,
    closedSockets: step.closedSockets,
    closeCodes: step.closeCodes,
  };
}

const root = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-bench-replicated-'));
const etcd = await startEtcd();
let prefixes = 0;
const env: LaunchEnv = {
  etcd,
  nextPort: createPortAllocator(),
  root,
  serverCpu: 0,
  nextPrefix: () => `/benchrepl${++prefixes}/`,
  niceness: null,
};
const rows: RateRow[] = [];
try {
  const group = await startGroup('ours', env, values.root ? { root: values.root } : {});
  try {
    // every editor's share of every step (warm-up included), with room to spare
    const total = rates.reduce((n, r) => n + r * seconds, 600);
    const keystrokes = Math.ceil((total * 1.3) / (docs * 2)) + 100;
    const traces: readonly [TraceSpec, TraceSpec] = [
      { keystrokes, seed: 1, clientId: 1001 },
      { keystrokes, seed: 2, clientId: 2002 },
    ];
    const pool = await openLoad({
      kind: 'ours',
      host: group.entry.host,
      port: group.entry.port,
      docIds: Array.from({ length: docs }, (_, i) => `repl-${i}`),
      traces,
      serverPids: group.processes.map((p) => p.pid),
      generators,
      generatorCores: os.cpus().length,
    });
    try {
      // a short warm-up (JIT, loads), not reported
      await pool.step(Math.min(200, rates[0] ?? 200), 3, 5000);
      for (const rate of rates) {
        const row = rowOf(await pool.step(rate, seconds, 10_000));
        rows.push(row);
        console.log(
          `  ${row.offered}/s offered: ${row.achieved}/s, ack p50 ${row.ackP50} ms p95 ${row.ackP95} ms, ` +
            `propagation p50 ${row.propagationP50} ms p99 ${row.propagationP99} ms, ` +
            `nodes ${row.nodeCpuMicrosPerUpdate} µs CPU/update (${row.nodeCpuCores} cores), ` +
            `generators ${row.generatorCpuCores} cores${row.clientBound ? ' CLIENT-BOUND' : ''}, ` +
            `undelivered ${row.lost}, closed ${row.closedSockets} ${JSON.stringify(row.closeCodes)}`,
        );
      }
    } finally {
      await pool.close();
    }
  } finally {
    await group.stop();
  }
  const day = new Date().toISOString().slice(0, 10);
  const result = {
    when: new Date().toISOString(),
    cluster: { nodes: 3, replicas: 2, durability: 'replica', root: values.root ?? process.cwd() },
    load: { docs, editorsPerDoc: 2, seconds, generators },
    rows,
  };
  await mkdir('bench/results', { recursive: true });
  await writeFile(
    path.join('bench/results', `${day}-${values.label}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  await etcd.stop();
  await rm(root, { recursive: true, force: true });
}
process.exit(0);
