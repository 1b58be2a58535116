import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeStoreFs } from './store-fs.ts';

describe('readRanges on the real file system', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  const fileOf = async (bytes: Uint8Array) => {
    const dir = await mkdtemp(join(tmpdir(), 'ringdoc-store-fs-'));
    dirs.push(dir);
    const path = join(dir, 'f');
    await writeFile(path, bytes);
    return path;
  };

  it('returns each range, in the order asked, near ones (one read) and far ones (reads of their own), each in memory of its own', async () => {
    // 3 MB: ranges spread over it need several reads (a read spans at most 256 KB)
    const bytes = new Uint8Array(3_000_000).map((_, i) => (i * 7919) % 251);
    const path = await fileOf(bytes);
    // a small deterministic generator: the same ranges on every run
    let state = 11;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const ranges = Array.from({ length: 400 }, () => {
      const length = 1 + next(3000);
      return { at: next(bytes.length - length), length };
    });
    // neighbours one byte apart, an overlap, and an empty range
    ranges.push({ at: 100, length: 10 }, { at: 111, length: 10 }, { at: 105, length: 10 });
    ranges.push({ at: 5, length: 0 });
    const read = await nodeStoreFs.readRanges(path, ranges);
    expect(read).toHaveLength(ranges.length);
    ranges.forEach((r, i) => {
      const got = read[i]!;
      expect(Buffer.from(got).equals(Buffer.from(bytes.subarray(r.at, r.at + r.length)))).toBe(
        true,
      );
      expect(got.buffer.byteLength).toBe(r.length);
    });
    // the whole file at once, and one small range alone: not from a shared pool either
    const [whole] = await nodeStoreFs.readRanges(path, [{ at: 0, length: bytes.length }]);
    expect(Buffer.from(whole!).equals(Buffer.from(bytes))).toBe(true);
    const [small] = await nodeStoreFs.readRanges(path, [{ at: 7, length: 10 }]);
    expect(small!.buffer.byteLength).toBe(10);
  });

  it('rejects a range past the end of the file, and a missing file', async () => {
    const path = await fileOf(new Uint8Array(100));
    await expect(nodeStoreFs.readRanges(path, [{ at: 90, length: 20 }])).rejects.toThrow(
      /past its end/,
    );
    await expect(nodeStoreFs.readRanges(`${path}-missing`, [{ at: 0, length: 1 }])).rejects.toThrow(
      /ENOENT/,
    );
    expect(await nodeStoreFs.readRanges(path, [])).toEqual([]);
  });
});
