import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Logger } from '../log.ts';
import {
  COMPACTION_NICE_OFFSET,
  type CompactionThread,
  type CompactionWork,
  startCompactionThread,
} from './compaction-thread.ts';
import { type ByteRange, nodeStoreFs } from './store-fs.ts';
import { createWriter, textOf } from './testing/yjs-updates.ts';

/** A logger that keeps its warnings, to read what the thread reported. */
function recordingLogger(): Logger & { readonly warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return { debug: noop, info: noop, warn: (m) => warnings.push(m), error: noop, warnings };
}

/** Fails any work handed to it: a test that passes with it did its work on the thread. */
const noFallback: CompactionWork = {
  read: () => Promise.reject(new Error('read on the event loop, not on the thread')),
  merge: () => Promise.reject(new Error('merged on the event loop, not on the thread')),
};

/** Work on the event loop that counts what it was given. */
function countingFallback(): CompactionWork & { reads: number; merges: number } {
  const work = {
    reads: 0,
    merges: 0,
    read: async (path: string, ranges: readonly ByteRange[]) => {
      work.reads += 1;
      return nodeStoreFs.readRanges(path, ranges);
    },
    merge: async (updates: readonly Uint8Array[]) => {
      work.merges += 1;
      return Y.mergeUpdates([...updates]);
    },
  };
  return work;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temporary file holding `chunks` end to end. */
async function fileOf(chunks: readonly Uint8Array[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ringdoc-compaction-'));
  dirs.push(dir);
  const path = join(dir, 'segment');
  await writeFile(path, Buffer.concat(chunks));
  return path;
}

describe('compaction thread', () => {
  const threads: CompactionThread[] = [];
  const start = (fallback: CompactionWork = noFallback, log = recordingLogger()) => {
    const thread = startCompactionThread({ log, fallback });
    threads.push(thread);
    return thread;
  };
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.stop()));
  });

  it('merges on the thread into the same document as Y.mergeUpdates', async () => {
    const writer = createWriter();
    const updates = writer.next(300);
    const merged = await start().merge(updates);
    expect(textOf([merged])).toBe(writer.text());
    expect(Y.encodeStateVectorFromUpdate(merged)).toEqual(
      Y.encodeStateVectorFromUpdate(Y.mergeUpdates(updates)),
    );
  });

  it('reads updates that are views into a larger buffer, and leaves the caller’s bytes as they were', async () => {
    const writer = createWriter();
    const updates = writer.next(40);
    const big = new Uint8Array(updates.reduce((n, u) => n + u.byteLength, 0) + 64);
    let at = 32;
    const views = updates.map((u) => {
      big.set(u, at);
      const view = big.subarray(at, at + u.byteLength);
      at += u.byteLength;
      return view;
    });
    const before = big.slice();
    const merged = await start().merge(views);
    expect(textOf([merged])).toBe(writer.text());
    expect(big).toEqual(before);
  });

  it('answers concurrent merges each with its own result', async () => {
    const thread = start();
    const writers = ['a', 'b', 'c', 'd'].map((label) => createWriter(label));
    const results = await Promise.all(writers.map((w) => thread.merge(w.next(50))));
    results.forEach((merged, i) => {
      expect(textOf([merged])).toBe(writers[i]?.text());
    });
  });

  it('rejects updates Yjs cannot decode, and goes on merging afterwards', async () => {
    const thread = start();
    const writer = createWriter();
    const good = writer.next(3);
    await expect(thread.merge([...good, new Uint8Array([255, 255, 255, 7])])).rejects.toThrow();
    const merged = await thread.merge(writer.next(5));
    expect(textOf([...good, merged])).toBe(writer.text());
  });

  it('once stopped, reads and merges on the event loop through its fallback', async () => {
    const log = recordingLogger();
    const fallback = countingFallback();
    const thread = start(fallback, log);
    await thread.stop();
    const writer = createWriter();
    const merged = await thread.merge(writer.next(10));
    expect(textOf([merged])).toBe(writer.text());
    const file = await fileOf([new Uint8Array([1, 2, 3])]);
    expect((await thread.read(file, [{ at: 1, length: 2 }])).map((b) => [...b])).toEqual([[2, 3]]);
    expect(fallback).toMatchObject({ reads: 1, merges: 1 });
    expect(log.warnings).toEqual([]);
  });

  it('hands the work still in flight when it stops to its fallback', async () => {
    const log = recordingLogger();
    const fallback = countingFallback();
    const thread = start(fallback, log);
    const writer = createWriter();
    const file = await fileOf([new Uint8Array([9, 8, 7])]);
    const merging = thread.merge(writer.next(200));
    const reading = thread.read(file, [{ at: 0, length: 3 }]);
    await thread.stop();
    expect(textOf([await merging])).toBe(writer.text());
    expect((await reading).map((b) => [...b])).toEqual([[9, 8, 7]]);
    expect(fallback).toMatchObject({ reads: 1, merges: 1 });
    expect(log.warnings).toEqual(['compaction thread stopped; compacting on the event loop']);
  });

  it('reads ranges of a file in the order asked, each as its own bytes', async () => {
    const chunks = [
      new Uint8Array([1, 1, 1]),
      new Uint8Array([2, 2]),
      new Uint8Array([3, 3, 3, 3]),
    ];
    const file = await fileOf(chunks);
    const read = await start().read(file, [
      { at: 5, length: 4 },
      { at: 0, length: 3 },
      { at: 3, length: 2 },
      { at: 6, length: 0 },
    ]);
    expect(read).toEqual([chunks[2], chunks[0], chunks[1], new Uint8Array(0)]);
  });

  it('rejects a read past the end of the file, or of a missing file, with the reason', async () => {
    const thread = start();
    const file = await fileOf([new Uint8Array([1, 2, 3])]);
    await expect(thread.read(file, [{ at: 2, length: 5 }])).rejects.toThrow(/past its end/);
    await expect(thread.read(`${file}.missing`, [{ at: 0, length: 1 }])).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(await thread.read(file, [{ at: 0, length: 1 }])).toEqual([new Uint8Array([1])]);
  });

  it.runIf(process.platform === 'linux')(
    'runs nicer than the process by the offset asked for (Linux: a nice value per thread), leaving the event loop’s as it was',
    async () => {
      const before = await niceValuesOfThreads();
      const thread = start(noFallback);
      const ownNice = before.get(process.pid) ?? 0;
      // a merge answered: the thread has started and set its priority
      await thread.merge(createWriter().next(2));
      const after = await niceValuesOfThreads();
      const added = [...after].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      expect(added).toContain(Math.min(19, ownNice + COMPACTION_NICE_OFFSET));
      expect(after.get(process.pid)).toBe(ownNice);
    },
  );
});

/** The nice value of each thread of this process, by thread id (Linux `/proc`). */
async function niceValuesOfThreads(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const tid of await readdir('/proc/self/task')) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => null);
    if (!stat) continue;
    // fields after the command name (in parentheses): state is the 3rd field, nice the 19th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}
