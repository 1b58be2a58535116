import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSegmentReader } from './segment-reader.ts';
import { type ByteRange, nodeStoreFs, type StoreFs } from './store-fs.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A file of random bytes, the real file system counting every `readRanges` and its bytes. */
async function setup(size: number) {
  const dir = await mkdtemp(join(os.tmpdir(), 'segment-reader-'));
  dirs.push(dir);
  const bytes = randomBytes(size);
  const path = join(dir, 'seg.wal');
  await writeFile(path, bytes);
  const reads: ByteRange[][] = [];
  const fs: StoreFs = {
    ...nodeStoreFs,
    readRanges: (p, ranges) => {
      reads.push([...ranges]);
      return nodeStoreFs.readRanges(p, ranges);
    },
  };
  const timers: (() => void)[] = [];
  const after = (_ms: number, fn: () => void) => {
    timers.push(fn);
    return () => {
      const i = timers.indexOf(fn);
      if (i >= 0) timers.splice(i, 1);
    };
  };
  return { bytes, path, fs, reads, timers, after };
}

/** `count` ranges scattered over `[0, limit)`, each 1–200 bytes, as one document's entries are. */
function scattered(count: number, limit: number, seed: number): ByteRange[] {
  let s = seed;
  const next = () => {
    s = (s * 48271) % 2147483647;
    return s;
  };
  return Array.from({ length: count }, () => {
    const length = 1 + (next() % 200);
    return { at: next() % (limit - length), length };
  });
}

const expected = (bytes: Buffer, ranges: readonly ByteRange[]) =>
  ranges.map((r) => new Uint8Array(bytes.subarray(r.at, r.at + r.length)));
/** Results as plain byte arrays (a direct read returns Buffers, a kept prefix Uint8Arrays). */
const plain = (results: readonly Uint8Array[]) => results.map((u) => Uint8Array.from(u));

describe('segment reader', () => {
  it('a large batch reads the segment once up to its last entry; the next batches read only what lies beyond', async () => {
    const { bytes, path, fs, reads, after } = await setup(1 << 20);
    const reader = createSegmentReader({ fs, after, bulkRanges: 32 });
    const first = scattered(100, 300_000, 1);
    expect(await reader.read(path, first)).toEqual(expected(bytes, first));
    const end = Math.max(...first.map((r) => r.at + r.length));
    expect(reads).toEqual([[{ at: 0, length: end }]]);
    // other documents of the same segment (a retirement, a burst of compactions): no read
    const second = scattered(5, end, 2);
    expect(await reader.read(path, second)).toEqual(expected(bytes, second));
    expect(reads).toHaveLength(1);
    // entries written since: only the bytes past what is kept
    const third = [...scattered(40, end, 3), { at: 900_000, length: 100 }];
    expect(await reader.read(path, third)).toEqual(expected(bytes, third));
    expect(reads.slice(1)).toEqual([[{ at: end, length: 900_100 - end }]]);
    expect(reader.keptBytes).toBeGreaterThanOrEqual(900_100);
  });

  it('a small batch of a segment nothing is kept of reads its ranges alone', async () => {
    const { bytes, path, fs, reads, after } = await setup(1 << 20);
    const reader = createSegmentReader({ fs, after, bulkRanges: 32 });
    const few = scattered(3, 1 << 20, 4);
    expect(plain(await reader.read(path, few))).toEqual(expected(bytes, few));
    expect(reads).toEqual([few]);
    expect(reader.keptBytes).toBe(0);
  });

  it('every result is a copy in its own memory: changing one changes nothing kept', async () => {
    const { bytes, path, fs, after } = await setup(64 * 1024);
    const reader = createSegmentReader({ fs, after, bulkRanges: 1 });
    const ranges = [
      { at: 10, length: 20 },
      { at: 15, length: 20 },
    ];
    const [a, b] = await reader.read(path, ranges);
    expect(a?.buffer.byteLength).toBe(20);
    expect(b?.buffer.byteLength).toBe(20);
    a?.fill(0);
    expect(await reader.read(path, ranges)).toEqual(expected(bytes, ranges));
  });

  it('keeps at most maxSegments, drops everything once idle, forgets a removed segment', async () => {
    const one = await setup(64 * 1024);
    const two = await setup(64 * 1024);
    const three = await setup(64 * 1024);
    const reads: string[] = [];
    const fs: StoreFs = {
      ...nodeStoreFs,
      readRanges: (p, ranges) => {
        reads.push(p);
        return nodeStoreFs.readRanges(p, ranges);
      },
    };
    const reader = createSegmentReader({ fs, after: one.after, bulkRanges: 1, maxSegments: 2 });
    const range = [{ at: 100, length: 10 }];
    for (const s of [one, two, three]) await reader.read(s.path, range);
    expect(reads).toEqual([one.path, two.path, three.path]);
    await reader.read(three.path, range);
    await reader.read(two.path, range);
    expect(reads).toHaveLength(3);
    await reader.read(one.path, range); // the oldest was dropped
    expect(reads).toHaveLength(4);
    reader.forget(one.path);
    await reader.read(one.path, range);
    expect(reads).toHaveLength(5);
    // one idle timer, re-armed by every read
    expect(one.timers).toHaveLength(1);
    one.timers.shift()?.();
    expect(reader.keptBytes).toBe(0);
    await reader.read(two.path, range);
    expect(reads).toHaveLength(6);
  });

  it('a failed read rejects, keeps nothing wrong, and the next read retries', async () => {
    const { bytes, path, after } = await setup(64 * 1024);
    let fail = true;
    const fs: StoreFs = {
      ...nodeStoreFs,
      readRanges: (p, ranges) =>
        fail ? Promise.reject(new Error('EIO')) : nodeStoreFs.readRanges(p, ranges),
    };
    const reader = createSegmentReader({ fs, after, bulkRanges: 1 });
    const ranges = scattered(10, 64 * 1024, 5);
    await expect(reader.read(path, ranges)).rejects.toThrow('EIO');
    await expect(reader.read(path, ranges)).rejects.toThrow('EIO');
    fail = false;
    expect(plain(await reader.read(path, ranges))).toEqual(expected(bytes, ranges));
  });

  it('concurrent batches of one segment read each byte once and all get their bytes', async () => {
    const { bytes, path, fs, reads, after } = await setup(1 << 20);
    const reader = createSegmentReader({ fs, after, bulkRanges: 1 });
    const batches = [scattered(50, 500_000, 6), scattered(50, 1 << 20, 7), scattered(5, 1000, 8)];
    const results = await Promise.all(batches.map((b) => reader.read(path, b)));
    for (const [i, r] of results.entries()) expect(r).toEqual(expected(bytes, batches[i] ?? []));
    const read = reads.flat().reduce((n, r) => n + r.length, 0);
    expect(read).toBeLessThanOrEqual(1 << 20);
  });
});
