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

/** A file of random bytes; the real file system, counting its reads. */
async function setup(size: number) {
  const dir = await mkdtemp(join(os.tmpdir(), 'segment-reader-'));
  dirs.push(dir);
  const bytes = randomBytes(size);
  const path = join(dir, 'seg.wal');
  await writeFile(path, bytes);
  const reads = { ranges: 0, files: 0 };
  const fs: StoreFs = {
    ...nodeStoreFs,
    readRanges: (p, ranges) => {
      reads.ranges++;
      return nodeStoreFs.readRanges(p, ranges);
    },
    readFile: (p) => {
      reads.files++;
      return nodeStoreFs.readFile(p);
    },
  };
  return { bytes, path, fs, reads };
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
/** Results as plain byte arrays (a direct read returns Buffers). */
const plain = (results: readonly Uint8Array[]) => results.map((u) => Uint8Array.from(u));

describe('segment reader', () => {
  it('a pinned segment is read once and serves every batch until unpinned', async () => {
    const { bytes, path, fs, reads } = await setup(1 << 20);
    const reader = createSegmentReader(fs);
    await reader.pin(path);
    expect(reader.pinnedBytes).toBe(1 << 20);
    for (let doc = 0; doc < 20; doc++) {
      const ranges = scattered(100, 1 << 20, doc + 1);
      expect(plain(await reader.read(path, ranges))).toEqual(expected(bytes, ranges));
    }
    expect(reads).toEqual({ ranges: 0, files: 1 });
    reader.unpin(path);
    expect(reader.pinnedBytes).toBe(0);
    const after = scattered(3, 1 << 20, 99);
    expect(plain(await reader.read(path, after))).toEqual(expected(bytes, after));
    expect(reads).toEqual({ ranges: 1, files: 1 });
  });

  it('a segment nobody pinned is read range by range, and nothing is kept', async () => {
    const { bytes, path, fs, reads } = await setup(1 << 20);
    const reader = createSegmentReader(fs);
    const ranges = scattered(500, 1 << 20, 4);
    expect(plain(await reader.read(path, ranges))).toEqual(expected(bytes, ranges));
    expect(reads).toEqual({ ranges: 1, files: 0 });
    expect(reader.pinnedBytes).toBe(0);
  });

  it('every result from a pinned segment is a copy in its own memory', async () => {
    const { bytes, path, fs } = await setup(64 * 1024);
    const reader = createSegmentReader(fs);
    await reader.pin(path);
    const ranges = [
      { at: 10, length: 20 },
      { at: 15, length: 20 },
    ];
    const [a, b] = await reader.read(path, ranges);
    expect(a?.buffer.byteLength).toBe(20);
    expect(b?.buffer.byteLength).toBe(20);
    a?.fill(0);
    expect(plain(await reader.read(path, ranges))).toEqual(expected(bytes, ranges));
  });

  it('a range past the end of a pinned segment rejects; a pin that cannot read rejects and keeps nothing', async () => {
    const { path, fs } = await setup(1024);
    const reader = createSegmentReader(fs);
    await reader.pin(path);
    await expect(reader.read(path, [{ at: 1000, length: 100 }])).rejects.toThrow(/past its end/);
    const missing = createSegmentReader(nodeStoreFs);
    await expect(missing.pin(`${path}.gone`)).rejects.toThrow(/ENOENT/);
    expect(missing.pinnedBytes).toBe(0);
  });
});
