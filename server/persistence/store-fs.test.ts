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

  it('returns each range, in the order asked, whether near (one read) or far apart, none sharing bytes with another', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
    const path = await fileOf(bytes);
    // a small deterministic generator: the same ranges on every run
    let state = 11;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const ranges = Array.from({ length: 200 }, () => {
      const length = 1 + next(3000);
      return { at: next(bytes.length - length), length };
    });
    ranges.push({ at: 0, length: bytes.length }, { at: 5, length: 0 });
    const read = await nodeStoreFs.readRanges(path, ranges);
    expect(read).toHaveLength(ranges.length);
    ranges.forEach((r, i) => {
      expect(Buffer.from(read[i]!).equals(Buffer.from(bytes.subarray(r.at, r.at + r.length)))).toBe(
        true,
      );
    });
    // a range read with others is a copy: changing it changes no other
    read[0]!.fill(0);
    ranges.slice(1).forEach((r, i) => {
      expect(
        Buffer.from(read[i + 1]!).equals(Buffer.from(bytes.subarray(r.at, r.at + r.length))),
      ).toBe(true);
    });
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
