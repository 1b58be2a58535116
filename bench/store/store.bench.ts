/**
 * Store micro-bench (issue 14): CPU per acknowledged update of the per-document file store
 * against the node-wide journal (N7), same machine, same run, same load. `docs` documents
 * each keep `inFlight` appends outstanding (editors waiting for their ACK) for `seconds`;
 * CPU is `process.cpuUsage()` (main thread + libuv pool + GC), so the figure is what a node
 * pays per update for persistence. Prints a table and writes JSON to `bench/results/`.
 *
 *   npx tsx bench/store/store.bench.ts [--docs 64] [--in-flight 4] [--seconds 5]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { createFileStore } from '../../server/persistence/file-store.ts';
import { createJournalStore } from '../../server/persistence/journal-store.ts';
import type { DocStore } from '../../server/persistence/store.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '64' },
    'in-flight': { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    out: { type: 'string', default: 'bench/results/store.json' },
  },
});
const docs = Number(values.docs);
const inFlight = Number(values['in-flight']);
const seconds = Number(values.seconds);

/** Realistic keystroke updates: one Y.Doc per document, one character per update. */
function keystrokes(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  for (let i = 0; i < count; i++) text.insert(i, 'abcdefghij'[i % 10] ?? 'a');
  return out;
}

interface Result {
  readonly store: string;
  readonly updates: number;
  readonly updatesPerSecond: number;
  readonly cpuMicrosPerUpdate: number;
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
}

async function run(name: string, make: (dir: string) => DocStore): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), `ringdoc-store-bench-${name}-`));
  const store = make(dir);
  const pool = keystrokes(4000);
  const latencies: number[] = [];
  let updates = 0;
  let stop = false;
  // warm up: every document exists before measuring
  await Promise.all(
    Array.from({ length: docs }, (_, d) => store.append(`doc-${d}`, pool[0]!, 'g')),
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const editor = async (d: number, lane: number) => {
    let i = 1 + lane;
    while (!stop) {
      const started = performance.now();
      await store.append(`doc-${d}`, pool[i % pool.length]!, 'g');
      latencies.push(performance.now() - started);
      updates++;
      i += inFlight;
    }
  };
  const timer = setTimeout(() => {
    stop = true;
  }, seconds * 1000);
  await Promise.all(
    Array.from({ length: docs * inFlight }, (_, k) => editor(k % docs, Math.floor(k / docs))),
  );
  clearTimeout(timer);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  await rm(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    store: name,
    updates,
    updatesPerSecond: Math.round(updates / elapsed),
    cpuMicrosPerUpdate: Number(((cpu.user + cpu.system) / updates).toFixed(1)),
    ackP50Ms: Number(pick(0.5).toFixed(2)),
    ackP99Ms: Number(pick(0.99).toFixed(2)),
  };
}

const results: Result[] = [];
results.push(await run('file (per-document logs)', (dir) => createFileStore({ dir })));
results.push(await run('journal (N7)', (dir) => createJournalStore({ dir })));
const [file, journal] = results as [Result, Result];
const summary = {
  when: new Date().toISOString(),
  load: { docs, inFlightPerDoc: inFlight, seconds },
  results,
  ratios: {
    cpuPerUpdate: Number((journal.cpuMicrosPerUpdate / file.cpuMicrosPerUpdate).toFixed(3)),
    updatesPerSecond: Number((journal.updatesPerSecond / file.updatesPerSecond).toFixed(2)),
  },
};
console.table(results);
console.log(
  `journal/file: CPU per update ×${summary.ratios.cpuPerUpdate}, updates/s ×${summary.ratios.updatesPerSecond}`,
);
await mkdir('bench/results', { recursive: true });
await writeFile(values.out, `${JSON.stringify(summary, null, 2)}\n`);
