import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { type Quantiles, Samples } from '../lib/stats.ts';

/**
 * The physical floor of a durable ack: `count` appends of `bytes` bytes to one file in `dir`
 * (the file system ringdoc's data dirs live on), each followed by fsync, timed one by one in
 * this process. Nothing a store does can acknowledge faster than one of these.
 */
export function measureFsync(dir: string, count = 200, bytes = 64): Quantiles {
  const scratch = mkdtempSync(path.join(dir, 'fsync-'));
  const fd = openSync(path.join(scratch, 'log'), 'a');
  const record = Buffer.alloc(bytes, 7);
  const samples = new Samples();
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      writeSync(fd, record);
      fsyncSync(fd);
      samples.add(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(scratch, { recursive: true, force: true });
  }
  return samples.summary();
}
