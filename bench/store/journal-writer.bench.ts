/**
 * How the journal's write + fdatasync leave the main thread (issue 14, N7): libuv's thread
 * pool (`FileHandle.write` + `datasync`, what `journal-writer.ts` uses) against a dedicated
 * worker thread doing `writeSync` + `fdatasyncSync` on frames transferred to it. Same frames
 * (`--records` records of ~`--bytes` bytes per window), back to back for `--seconds`. Prints
 * process CPU and main-thread busy time per frame and per record.
 *
 *   npx tsx bench/store/journal-writer.bench.ts [--records 32] [--bytes 60] [--seconds 4]
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '32' },
    bytes: { type: 'string', default: '60' },
    seconds: { type: 'string', default: '4' },
  },
});
const records = Number(values.records);
const frameBytes = records * (Number(values.bytes) + 8);
const seconds = Number(values.seconds);
const SEGMENT = 64 * 1024 * 1024;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const fd = fs.openSync(workerData.path, 'r+');
parentPort.on('message', (m) => {
  if (m === null) { fs.closeSync(fd); parentPort.postMessage(null); return; }
  const buf = new Uint8Array(m.buffer);
  fs.writeSync(fd, buf, 0, buf.length, m.position);
  fs.fdatasyncSync(fd);
  parentPort.postMessage(m.buffer, [m.buffer]);
});
`;

interface Figures {
  readonly writer: string;
  readonly frames: number;
  readonly cpuMicrosPerRecord: number;
  readonly mainThreadMicrosPerRecord: number;
  readonly framesPerSecond: number;
}

async function measure(writer: string, body: (deadline: number) => Promise<number>) {
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const frames = await body(t0 + seconds * 1000);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const n = frames * records;
  return {
    writer,
    frames,
    cpuMicrosPerRecord: Number(((cpu.user + cpu.system) / n).toFixed(2)),
    mainThreadMicrosPerRecord: Number(((elu.active * 1000) / n).toFixed(2)),
    framesPerSecond: Math.round(frames / (elapsed / 1000)),
  } satisfies Figures;
}

async function preallocated(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  const file = await open(path, 'w+');
  const zeros = new Uint8Array(1024 * 1024);
  for (let at = 0; at < SEGMENT; at += zeros.length) await file.write(zeros, 0, zeros.length, at);
  await file.sync();
  await file.close();
  return path;
}

const dir = await mkdtemp(join(tmpdir(), 'ringdoc-writer-bench-'));
const frame = () => {
  const out = new Uint8Array(frameBytes);
  out.fill(7);
  return out;
};
const results: Figures[] = [];

{
  const file = await open(await preallocated(dir, 'libuv.wal'), 'r+');
  results.push(
    await measure('libuv pool (FileHandle.write + datasync)', async (deadline) => {
      let frames = 0;
      let position = 0;
      while (performance.now() < deadline && position + frameBytes < SEGMENT) {
        await file.write(frame(), 0, frameBytes, position);
        await file.datasync();
        position += frameBytes;
        frames++;
      }
      return frames;
    }),
  );
  await file.close();
}

{
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { path: await preallocated(dir, 'worker.wal') },
  });
  results.push(
    await measure('worker thread (writeSync + fdatasyncSync)', async (deadline) => {
      let frames = 0;
      let position = 0;
      while (performance.now() < deadline && position + frameBytes < SEGMENT) {
        const buffer = frame().buffer;
        await new Promise<void>((resolve) => {
          worker.once('message', () => resolve());
          worker.postMessage({ buffer, position }, [buffer]);
        });
        position += frameBytes;
        frames++;
      }
      return frames;
    }),
  );
  await new Promise<void>((resolve) => {
    worker.once('message', () => resolve());
    worker.postMessage(null);
  });
  await worker.terminate();
}

await rm(dir, { recursive: true, force: true });
console.table(results);
