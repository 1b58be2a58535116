import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import { createSilentLogger } from '../log.ts';
import {
  type CompactionThread,
  compactionOnEventLoop,
  startCompactionThread,
} from './compaction-thread.ts';
import { createFileStore, fileStorePaths } from './file-store.ts';
import { decodeSegment } from './journal-format.ts';
import {
  createJournalStore,
  DEFAULT_COMPACT_AFTER_RECORDS,
  DEFAULT_GROUP_COMMIT_MS,
  JOURNAL_DIR,
  type JournalStoreOptions,
} from './journal-store.ts';
import { describeStoreContract, type StoreUnderTest } from './store.contract.ts';
import { type DocStore, StoreCorruptError, StoreIoError } from './store.ts';
import { nodeStoreFs, type StoreFs } from './store-fs.ts';
import { createFaultFs, type FaultFs } from './testing/fault-fs.ts';
import type { StoreFaults } from './testing/store-faults.ts';
import { createWriter, textOf } from './testing/yjs-updates.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const crashFixture = fileURLToPath(new URL('./testing/append-then-crash.ts', import.meta.url));
const tempDir = () => mkdtemp(join(tmpdir(), 'ringdoc-journal-'));
const SMALL_SEGMENT = 64 * 1024;

const isSegment = (path: string) => path.includes(`/${JOURNAL_DIR}/`) && path.endsWith('.wal');

/** The contract's probe for a journal store: a barrier is the fdatasync of a journal window. */
function journalFaults(faultFs: FaultFs): StoreFaults {
  return {
    sharedBarrier: true,
    barriers: () => faultFs.syncs(),
    hold() {
      let release = () => {};
      let reached = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const reachedPromise = new Promise<void>((resolve) => {
        reached = resolve;
      });
      faultFs.inject({ op: 'datasync', path: isSegment, gate, onHit: reached });
      return { reached: reachedPromise, release: () => release() };
    },
    failNext(_docId, code) {
      faultFs.inject({ op: 'datasync', path: isSegment, code });
    },
  };
}

/** A journal store on a fresh directory for the contract; `thread` does its compactions when given. */
async function journalUnderTest(thread?: CompactionThread): Promise<StoreUnderTest> {
  const dir = await tempDir();
  const faultFs = createFaultFs();
  const stores: DocStore[] = [];
  const make = (): DocStore => {
    const store = createJournalStore({
      dir,
      fs: faultFs.fs,
      segmentBytes: SMALL_SEGMENT,
      ...(thread ? { compaction: thread } : {}),
    });
    stores.push(store);
    return store;
  };
  return {
    store: make(),
    reopen: async () => make(),
    cleanup: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await thread?.stop();
      await rm(dir, { recursive: true, force: true });
    },
    faults: journalFaults(faultFs),
  };
}

describeStoreContract('journal store', () => journalUnderTest());

describeStoreContract('journal store compacting on a compaction thread', () => {
  const notHere = () => Promise.reject(new Error('compacted on the event loop, not on the thread'));
  return journalUnderTest(
    startCompactionThread({
      log: createSilentLogger(),
      fallback: { read: notHere, merge: notHere },
    }),
  );
});

describe('journal store on disk', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const setup = async (defaults: Partial<JournalStoreOptions> = {}) => {
    const dir = await tempDir();
    const stores: DocStore[] = [];
    cleanups.push(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    });
    const open = (options: Partial<JournalStoreOptions> = {}): DocStore => {
      const store = createJournalStore({
        dir,
        segmentBytes: SMALL_SEGMENT,
        ...defaults,
        ...options,
      });
      stores.push(store);
      return store;
    };
    return { dir, open };
  };

  /**
   * Runs `check` on `store`, then again on the same directory reopened by `reopen` (a restart:
   * what it checks comes from the replayed journal); the reopened store is closed after the test.
   */
  const beforeAndAfterRestart = async (
    store: DocStore,
    reopen: () => DocStore,
    check: (store: DocStore) => Promise<void>,
  ) => {
    await check(store);
    await store.close();
    const again = reopen();
    cleanups.push(() => again.close());
    await check(again);
  };

  const segmentFiles = async (dir: string) =>
    (await readdir(join(dir, JOURNAL_DIR))).filter((name) => name.endsWith('.wal')).sort();

  it('[N7] appends of many documents share one open file and one fdatasync per window', async () => {
    const { dir } = await setup();
    const faultFs = createFaultFs();
    const store = createJournalStore({ dir, fs: faultFs.fs, segmentBytes: SMALL_SEGMENT });
    cleanups.push(() => store.close());
    await store.append('warm-up', createWriter().next(1)[0]!, 'g');
    const writers = Array.from({ length: 20 }, (_, i) => createWriter(`d${i}-`));
    const before = faultFs.synced().length;
    await Promise.all(
      writers.flatMap((writer, i) => writer.next(3).map((u) => store.append(`doc-${i}`, u, 'g'))),
    );
    const syncs = faultFs.synced().slice(before);
    expect(syncs.every(isSegment)).toBe(true);
    expect(new Set(syncs).size).toBe(1);
    expect(syncs.length).toBeLessThanOrEqual(2);
    for (const [i, writer] of writers.entries()) {
      expect(textOf((await store.load(`doc-${i}`))?.updates ?? [])).toBe(writer.text());
    }
    expect((await readdir(dir)).sort()).toEqual([JOURNAL_DIR]);
    expect(await segmentFiles(dir)).toHaveLength(1);
  });

  /**
   * A clock whose timers never fire on their own (only the journal's own completion can release
   * an ACK) and whose time moves only when the test says so.
   */
  const frozenClock = () => {
    const timers: { readonly ms: number; readonly fn: () => void }[] = [];
    const time = { now: 0 };
    const clock: Clock = {
      now: () => time.now,
      after: (ms, fn) => {
        timers.push({ ms, fn });
        return () => {};
      },
      every: () => () => {},
      sleep: () => new Promise(() => {}),
    };
    return { clock, timers, time };
  };

  const manualStore = async (
    dir: string,
    faultFs: FaultFs,
    clock: Clock,
    /** null: the store's default */
    groupCommitMs: number | null = 2,
  ) => {
    const turns: (() => void)[] = [];
    const store = createJournalStore({
      dir,
      fs: faultFs.fs,
      segmentBytes: SMALL_SEGMENT,
      ...(groupCommitMs === null ? {} : { groupCommitMs }),
      clock,
      endOfTurn: (fn) => {
        turns.push(fn);
        return () => {};
      },
    });
    cleanups.push(() => store.close());
    await store.load('warm-up');
    // the first window also prepares the segment (its own syncs): done before counting
    const warm = store.append('warm-up', createWriter('w').next(1)[0]!, 'g');
    expect(turns).toHaveLength(1);
    turns.shift()?.();
    await warm;
    await store.load('warm-up'); // the window has settled: the journal is idle again
    return { store, turns };
  };

  it('[C4] an idle journal commits at the end of the turn: the ACK waits for the fdatasync, never a timer', async () => {
    const { dir } = await setup();
    const faultFs = createFaultFs();
    const { clock, timers, time } = frozenClock();
    const { store, turns } = await manualStore(dir, faultFs, clock);
    const writer = createWriter();
    const [a, c] = writer.next(2);
    const [b] = createWriter('o').next(1);
    time.now += 10; // idle for longer than the 2 ms window
    let acked = 0;
    const first = store.append('doc', a!, 'g').then(() => acked++);
    const second = store.append('other', b!, 'g').then(() => acked++);
    expect(turns).toHaveLength(1);
    const syncsBefore = faultFs.syncs();
    turns.shift()?.();
    await Promise.all([first, second]);
    expect(acked).toBe(2);
    // one window for both documents: one fdatasync released both ACKs, no timer was asked for
    expect(faultFs.syncs() - syncsBefore).toBe(1);
    expect(timers).toEqual([]);
    await store.load('doc');
    time.now += 10;
    const third = store.append('doc', c!, 'g');
    expect(turns).toHaveLength(1);
    turns.shift()?.();
    await third;
    expect(textOf((await store.load('doc'))?.updates ?? [])).toBe(writer.text());
    expect(timers).toEqual([]);
  });

  it('[N7] under load windows start at most every groupCommitMs: what arrives sooner waits for the next', async () => {
    const { dir } = await setup();
    const faultFs = createFaultFs();
    const { clock, timers, time } = frozenClock();
    const { store, turns } = await manualStore(dir, faultFs, clock);
    const writer = createWriter();
    const updates = writer.next(3);
    time.now += 0.5; // the last window started 0.5 ms ago
    const syncsBefore = faultFs.syncs();
    const pending = updates.map((u) => store.append('doc', u, 'g'));
    expect(turns).toEqual([]);
    expect(timers.map((t) => t.ms)).toEqual([1.5]);
    time.now += 1.5;
    timers.shift()?.fn();
    await Promise.all(pending);
    expect(faultFs.syncs() - syncsBefore).toBe(1);
    expect(textOf((await store.load('doc'))?.updates ?? [])).toBe(writer.text());
  });

  it('[N7] by default windows under load start at most every 5 ms: one O_DSYNC write covers more', async () => {
    const { dir } = await setup();
    const faultFs = createFaultFs();
    const { clock, timers, time } = frozenClock();
    const { store, turns } = await manualStore(dir, faultFs, clock, null);
    const writer = createWriter();
    time.now += 2; // a window started 2 ms ago: an idle journal at 2 ms, not at 5
    const syncsBefore = faultFs.syncs();
    const pending = writer.next(4).map((u) => store.append('doc', u, 'g'));
    expect(turns).toEqual([]);
    expect(timers.map((t) => t.ms)).toEqual([DEFAULT_GROUP_COMMIT_MS - 2]);
    expect(DEFAULT_GROUP_COMMIT_MS).toBe(5);
    time.now += 3;
    timers.shift()?.fn();
    await Promise.all(pending);
    expect(faultFs.syncs() - syncsBefore).toBe(1);
    expect(textOf((await store.load('doc'))?.updates ?? [])).toBe(writer.text());
  });

  it('[N7] a torn tail frame is ignored on replay and later appends are kept', async () => {
    const { dir, open } = await setup();
    const writer = createWriter();
    const first = open();
    for (const update of writer.next(4)) await first.append('doc', update, 'g');
    await first.close();
    const [name] = await segmentFiles(dir);
    const path = join(dir, JOURNAL_DIR, name!);
    const bytes = await readFile(path);
    const end = decodeSegment(bytes).validBytes;
    expect(end).toBeGreaterThan(0);
    // a half-written frame after the last acknowledged one
    bytes.set([40, 0, 0, 0, 1, 2, 3, 4, 1, 9, 9], end);
    await writeFile(path, bytes);
    const second = open();
    expect(textOf((await second.load('doc'))?.updates ?? [])).toBe(writer.text());
    for (const update of writer.next(2)) await second.append('doc', update, 'g');
    await second.close();
    expect(textOf((await open().load('doc'))?.updates ?? [])).toBe(writer.text());
  });

  it('[N7] a damaged frame followed by a valid one is StoreCorruptError and the files stay as they are', async () => {
    const { dir, open } = await setup();
    const writer = createWriter();
    const first = open();
    for (const update of writer.next(3)) await first.append('doc', update, 'g');
    await first.close();
    const [name] = await segmentFiles(dir);
    const path = join(dir, JOURNAL_DIR, name!);
    const bytes = await readFile(path);
    bytes[20] = (bytes[20] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    const second = open();
    await expect(second.load('doc')).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(second.append('doc', writer.next(1)[0]!, 'g')).rejects.toBeInstanceOf(
      StoreCorruptError,
    );
    expect(Buffer.compare(await readFile(path), bytes)).toBe(0);
  });

  it('[N7] a damaged update in the journal makes only the documents of its frame corrupt, bytes untouched', async () => {
    const { dir, open } = await setup();
    const writer = createWriter();
    const other = createWriter('other');
    const first = open();
    await first.append('doc', writer.next(1)[0]!, 'g');
    for (const update of other.next(2)) await first.append('other', update, 'g');
    await first.close();
    const [name] = await segmentFiles(dir);
    const path = join(dir, JOURNAL_DIR, name!);
    const bytes = await readFile(path);
    const firstFrameEnd = 8 + bytes.readUInt32LE(0);
    bytes[firstFrameEnd - 2] = (bytes[firstFrameEnd - 2] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    const second = open();
    await expect(second.load('doc')).rejects.toBeInstanceOf(StoreCorruptError);
    expect(textOf((await second.load('other'))?.updates ?? [])).toBe(other.text());
    for (const update of other.next(1)) await second.append('other', update, 'g');
    await second.close();
    expect(Buffer.compare((await readFile(path)).subarray(0, bytes.length), bytes)).toBe(0);
    const third = open();
    await expect(third.load('doc')).rejects.toBeInstanceOf(StoreCorruptError);
    expect(textOf((await third.load('other'))?.updates ?? [])).toBe(other.text());
    expect(await third.delete('doc')).toBe(true);
    expect(await third.load('doc')).toBeNull();
  });

  it('[N7] a failed write rejects the window, the next window goes to a new segment, acked updates survive', async () => {
    const { dir } = await setup();
    const faultFs = createFaultFs();
    const make = () => createJournalStore({ dir, fs: faultFs.fs, segmentBytes: SMALL_SEGMENT });
    const store = make();
    const writer = createWriter();
    const [a, b, c] = writer.next(3);
    await store.append('doc', a!, 'g');
    faultFs.inject({ op: 'write', path: isSegment, code: 'EIO', writtenBeforeError: 5 });
    await expect(store.append('doc', b!, 'g')).rejects.toBeInstanceOf(StoreIoError);
    await store.append('doc', c!, 'g');
    // b is lost, c (its successor) is kept: Yjs holds c pending, so compare stored text of a and c
    const expected = textOf([a!]);
    const kept = (await store.load('doc'))?.updates ?? [];
    expect(textOf(kept)).toBe(expected);
    expect(kept.some((u) => Buffer.from(u).includes(Buffer.from('w1 ')))).toBe(false);
    await store.close();
    const again = make();
    cleanups.push(() => again.close());
    expect(textOf((await again.load('doc'))?.updates ?? [])).toBe(expected);
    await again.append('doc', b!, 'g');
    expect(textOf((await again.load('doc'))?.updates ?? [])).toBe(writer.text());
  });

  it('[N7] the journal keeps no copy of stored updates in memory: loads read them back from the segment, before and after a restart; a read error is a StoreIoError and loses nothing', async () => {
    const { dir } = await setup();
    const faultFs = createFaultFs();
    const reads: string[] = [];
    const readRanges = faultFs.fs.readRanges;
    const fs = {
      ...faultFs.fs,
      readRanges: (path: string, ranges: readonly { at: number; length: number }[]) => {
        reads.push(path);
        return readRanges(path, ranges);
      },
    };
    const make = () => createJournalStore({ dir, fs, segmentBytes: SMALL_SEGMENT });
    const writers = Array.from({ length: 3 }, (_, i) => createWriter(`d${i}-`));
    const first = make();
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        writers.flatMap((writer, i) => writer.next(2).map((u) => first.append(`doc-${i}`, u, 'g'))),
      );
    }
    await beforeAndAfterRestart(first, make, async (store) => {
      reads.length = 0;
      expect(textOf((await store.load('doc-0'))?.updates ?? [])).toBe(writers[0]!.text());
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.every(isSegment)).toBe(true);
      faultFs.inject({ op: 'read', path: isSegment, code: 'EIO' });
      await expect(store.load('doc-1')).rejects.toBeInstanceOf(StoreIoError);
      // nothing lost: the next load reads it all, and appends go on
      expect(textOf((await store.load('doc-1'))?.updates ?? [])).toBe(writers[1]!.text());
      await store.append('doc-2', writers[2]!.next(1)[0]!, 'g');
      expect(textOf((await store.load('doc-2'))?.updates ?? [])).toBe(writers[2]!.text());
    });
  });

  it("[N7] one frame mixing deletes with several documents' appends (several updates each): every load returns exactly its own updates, before and after a restart", async () => {
    const { open } = await setup();
    const store = open();
    const gone = createWriter('gone-');
    for (const u of gone.next(2)) await store.append('gone', u, 'g');
    const writers = Array.from({ length: 3 }, (_, i) =>
      createWriter(`${'y'.repeat(i * 300)}${i}-`),
    );
    // one window: appends of three documents around a delete
    await Promise.all([
      ...writers[0]!.next(2).map((u) => store.append('a', u, 'g')),
      store.delete('gone'),
      ...writers[1]!.next(3).map((u) => store.append('b', u, 'g')),
      ...writers[2]!.next(1).map((u) => store.append('c', u, 'g')),
      ...writers[0]!.next(1).map((u) => store.append('a', u, 'g')),
    ]);
    await beforeAndAfterRestart(store, open, async (s) => {
      expect(await s.load('gone')).toBeNull();
      for (const [i, id] of ['a', 'b', 'c'].entries()) {
        expect(textOf((await s.load(id))?.updates ?? [])).toBe(writers[i]!.text());
      }
    });
  });

  it('[N7] a read error while compacting leaves the records where they are: nothing lost, compacted on the next try', async () => {
    const { dir } = await setup();
    const faultFs = createFaultFs();
    const store = createJournalStore({ dir, fs: faultFs.fs, segmentBytes: SMALL_SEGMENT });
    cleanups.push(() => store.close());
    const writer = createWriter();
    for (const u of writer.next(6)) await store.append('doc', u, 'g');
    faultFs.inject({ op: 'read', path: isSegment, code: 'EIO' });
    await expect(store.compact('doc')).rejects.toBeInstanceOf(StoreIoError);
    expect(textOf((await store.load('doc'))?.updates ?? [])).toBe(writer.text());
    await store.compact('doc');
    const loaded = await store.load('doc');
    expect(loaded?.updates).toHaveLength(1);
    expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
  });

  it('[N7] a compaction reads and merges through its compaction work (a node: its compaction thread); a load reads on the event loop', async () => {
    const { open } = await setup();
    const work = { reads: 0, merges: 0 };
    const onLoop = compactionOnEventLoop();
    const store = open({
      compaction: {
        read: (path, ranges) => {
          work.reads += 1;
          return onLoop.read(path, ranges);
        },
        merge: (updates) => {
          work.merges += 1;
          return onLoop.merge(updates);
        },
      },
    });
    const writer = createWriter();
    for (const u of writer.next(6)) await store.append('doc', u, 'g');
    expect(textOf((await store.load('doc'))?.updates ?? [])).toBe(writer.text());
    expect(work).toEqual({ reads: 0, merges: 0 });
    await store.compact('doc');
    expect(work).toEqual({ reads: 1, merges: 1 });
    const loaded = await store.load('doc');
    expect(loaded?.updates).toHaveLength(1);
    expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
  });

  it('[N7] a read error on the compaction thread is a StoreIoError and loses nothing', async () => {
    const { open } = await setup();
    const thread = startCompactionThread({ log: createSilentLogger() });
    cleanups.push(() => thread.stop());
    let failNext = true;
    const store = open({
      compaction: {
        read: (path, ranges) => {
          if (!failNext) return thread.read(path, ranges);
          failNext = false;
          // a segment the thread cannot open (ENOENT), as a failing disk would answer
          return thread.read(`${path}.gone`, ranges);
        },
        merge: thread.merge,
      },
    });
    const writer = createWriter();
    for (const u of writer.next(6)) await store.append('doc', u, 'g');
    await expect(store.compact('doc')).rejects.toBeInstanceOf(StoreIoError);
    expect(textOf((await store.load('doc'))?.updates ?? [])).toBe(writer.text());
    await store.compact('doc');
    const loaded = await store.load('doc');
    expect(loaded?.updates).toHaveLength(1);
    expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
  });

  it('[N7] retiring a segment reads it once for all its documents, not once per entry', async () => {
    const { dir } = await setup();
    // every read of a segment, in order: its entries one by one, or the segment whole
    const reads: { path: string; whole: boolean }[] = [];
    const fs: StoreFs = {
      ...nodeStoreFs,
      readRanges: (path, ranges) => {
        reads.push({ path, whole: false });
        return nodeStoreFs.readRanges(path, ranges);
      },
      readFile: (path) => {
        if (isSegment(path)) reads.push({ path, whole: true });
        return nodeStoreFs.readFile(path);
      },
    };
    const store = createJournalStore({ dir, fs, segmentBytes: SMALL_SEGMENT });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const writers = ids.map((id) => createWriter(`${'x'.repeat(600)}${id}-`));
    // the documents take turns: each one's entries are spread over every segment
    for (let round = 0; round < 60; round++) {
      for (const [i, id] of ids.entries()) await store.append(id, writers[i]!.next(1)[0]!, 'g');
    }
    await store.close();
    const whole = reads.filter((r) => r.whole).map((r) => r.path);
    expect(whole.length).toBeGreaterThan(0);
    expect(new Set(whole).size).toBe(whole.length); // each retired segment read whole at most once
    // once a segment was read whole, none of its entries was read on its own (before, they
    // were read one by one by an older segment's retirement compacting the same documents)
    for (const path of whole) {
      const from = reads.findIndex((r) => r.whole && r.path === path);
      expect(reads.slice(from + 1).filter((r) => r.path === path)).toEqual([]);
    }
    const again = createJournalStore({ dir, segmentBytes: SMALL_SEGMENT });
    for (const [i, id] of ids.entries()) {
      expect(textOf((await again.load(id))?.updates ?? [])).toBe(writers[i]!.text());
    }
    await again.close();
  });

  it('[N7] by default a document is compacted once it has 2,000 entries in the journal, not before', async () => {
    const { open } = await setup({ segmentBytes: 4 * 1024 * 1024 });
    const store = open();
    const writer = createWriter();
    const updates = writer.next(DEFAULT_COMPACT_AFTER_RECORDS);
    expect(DEFAULT_COMPACT_AFTER_RECORDS).toBe(2000);
    // issued together: a few windows, one entry per update
    await Promise.all(updates.slice(0, -1).map((u) => store.append('doc', u, 'g')));
    expect((await store.load('doc'))?.updates).toHaveLength(DEFAULT_COMPACT_AFTER_RECORDS - 1);
    await store.append('doc', updates.at(-1)!, 'g');
    const loaded = await store.load('doc'); // queued behind the compaction it started
    expect(loaded?.updates).toHaveLength(1);
    expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
  });

  it('[N7] full segments are compacted into per-document snapshots and removed', async () => {
    const { dir, open } = await setup();
    const store = open();
    const writers = Array.from({ length: 4 }, (_, i) => createWriter(`${'x'.repeat(200)}${i}-`));
    for (let round = 0; round < 40; round++) {
      await Promise.all(
        writers.flatMap((writer, i) => writer.next(2).map((u) => store.append(`doc/${i}`, u, 'g'))),
      );
    }
    await store.close();
    // every closed segment was retired: only what is left in the open one remains
    expect((await segmentFiles(dir)).length).toBeLessThanOrEqual(2);
    const again = open();
    for (const [i, writer] of writers.entries()) {
      const loaded = await again.load(`doc/${i}`);
      expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
    }
    expect(await again.list()).toEqual(writers.map((_, i) => `doc/${i}`));
  });

  it('[N7] a deleted document does not come back after compaction, delete and restart', async () => {
    const { open } = await setup();
    const store = open();
    const writer = createWriter('old');
    for (const update of writer.next(3)) await store.append('doc', update, 'gen-old');
    await store.compact('doc');
    for (const update of writer.next(2)) await store.append('doc', update, 'gen-old');
    expect(await store.delete('doc')).toBe(true);
    const [fresh] = createWriter('new').next(1);
    await store.append('doc', fresh!, 'gen-new');
    await store.close();
    const again = open();
    const loaded = await again.load('doc');
    expect(loaded?.generation).toBe('gen-new');
    expect(textOf(loaded?.updates ?? [])).toBe('new0 ');
  });

  it('[N7] upgrade: a file-store data directory is read as is and keeps working', async () => {
    const { dir, open } = await setup();
    const old = createFileStore({ dir });
    const writer = createWriter();
    for (const update of writer.next(5)) await old.append('team/doc', update, 'gen-1');
    await old.compact('team/doc');
    for (const update of writer.next(3)) await old.append('team/doc', update, 'gen-1');
    await old.close();
    const store = open();
    expect(await store.list()).toEqual(['team/doc']);
    const loaded = await store.load('team/doc');
    expect(loaded?.generation).toBe('gen-1');
    expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
    for (const update of writer.next(2)) await store.append('team/doc', update, 'gen-1');
    await store.compact('team/doc');
    await store.close();
    const again = open();
    const reloaded = await again.load('team/doc');
    expect(reloaded?.updates).toHaveLength(1);
    expect(textOf(reloaded?.updates ?? [])).toBe(writer.text());
    // the file store still reads the compacted directory (a downgrade loses nothing compacted)
    await again.close();
    const back = createFileStore({ dir });
    expect(textOf((await back.load('team/doc'))?.updates ?? [])).toBe(writer.text());
    await back.close();
    expect(await readFile(fileStorePaths(dir, 'team/doc').meta, 'utf8')).toContain('journalLsn');
  });

  describe('crash', () => {
    let child: ChildProcess | null = null;
    afterEach(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      child = null;
    });

    it('[C4] every update acknowledged before kill -9 is there after a restart', async () => {
      const { dir, open } = await setup();
      const acked: number[] = [];
      let stderr = '';
      const proc = spawn(
        process.execPath,
        ['--import', 'tsx', crashFixture, dir, 'crash/doc', '25', 'journal'],
        { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = proc;
      const closed = new Promise<void>((resolve) => proc.on('close', () => resolve()));
      proc.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      let partial = '';
      const enough = new Promise<void>((resolve, reject) => {
        proc.stdout?.on('data', (chunk: Buffer) => {
          const lines = (partial + chunk.toString()).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) acked.push(Number(line));
          if (acked.length >= 2000) resolve();
        });
        proc.on('exit', (code, signal) =>
          reject(new Error(`fixture exited early (${code ?? signal}): ${stderr}`)),
        );
      });
      await enough;
      proc.kill('SIGKILL');
      await closed;
      expect(proc.signalCode).toBe('SIGKILL');

      const store = open();
      const loaded = await store.load('crash/doc');
      const doc = new Y.Doc();
      for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
      const acks = doc.getMap<number>('acks');
      const missing = acked.filter((i) => acks.get(`k${i}`) !== i);
      expect(missing).toEqual([]);
      expect(acks.size).toBeGreaterThanOrEqual(acked.length);
    }, 60_000);
  });
});
