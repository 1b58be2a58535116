import { join, resolve } from 'node:path';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import { createSilentLogger, type Logger } from '../log.ts';
import { type CompactionWork, compactionOnEventLoop } from './compaction-thread.ts';
import {
  type DirMeta,
  readDocDir,
  removeDocDir,
  scanDocDirs,
  writeDocSnapshot,
} from './doc-dirs.ts';
import { assertStorableDocId } from './doc-id.ts';
import { encodeFrame, type JournalOp, OP_APPEND, OP_DELETE } from './journal-format.ts';
import { readJournal } from './journal-read.ts';
import { createJournalWriter, type FramePlace, type JournalWriter } from './journal-writer.ts';
import { createSegmentReader } from './segment-reader.ts';
import {
  type DocStore,
  GenerationMismatchError,
  StoreCorruptError,
  type StoredDoc,
  StoreIoError,
} from './store.ts';
import { type ByteRange, nodeStoreFs, type StoreFs, syncDir } from './store-fs.ts';

export interface JournalStoreOptions {
  /** Data directory; created on first use. One store per directory at a time. */
  readonly dir: string;
  /**
   * Least time between the starts of two commit windows (default `DEFAULT_GROUP_COMMIT_MS`). A
   * window opened when the last one started longer ago than this (an idle journal) closes at
   * the end of the current turn of the event loop, after every socket read in it: no timer
   * delays its ACKs. Under load windows start at most every `groupCommitMs`, so one durable
   * write covers what arrived meanwhile; appends issued while a window is being written go into
   * the next one.
   */
  readonly groupCommitMs?: number;
  /** Bytes preallocated per journal segment (default 16 MiB). */
  readonly segmentBytes?: number;
  /** A document's journal records are compacted into its snapshot past this many bytes (default 1 MiB)… */
  readonly compactAfterBytes?: number;
  /**
   * …or this many records (default `DEFAULT_COMPACT_AFTER_RECORDS`). Each compaction merges the
   * whole document, its snapshot included, so the cost of a burst grows with how often it runs.
   */
  readonly compactAfterRecords?: number;
  /** Where background failures (compaction, segment removal) are reported (default silent). */
  readonly log?: Logger;
  /** File-system facade (default the real one); tests inject faults through it. */
  readonly fs?: StoreFs;
  /** Reads the time and runs the commit-window spacing timer (default the system clock). */
  readonly clock?: Clock;
  /**
   * Runs `fn` at the end of the current turn (an idle journal's window); returns a cancel function.
   * Default `setImmediate`: after the I/O callbacks of this turn, before any timer.
   */
  readonly endOfTurn?: (fn: () => void) => () => void;
  /**
   * How a compaction reads a document's entries from segments that are not pinned, and merges
   * its updates (default `compactionOnEventLoop`: `fs`'s reads, merges in turns of this event
   * loop). A node passes its compaction thread (`startCompactionThread`).
   */
  readonly compaction?: CompactionWork;
}

/**
 * Default least time between commit windows. Every window costs one `O_DSYNC` write and its
 * round trip through libuv's pool, whatever it holds: 5 ms rather than 2 ms cut a 3-node
 * cluster's CPU per update by 10–20 % at 2,000–9,000 updates/s, adding ≈ 2 ms to the ACK
 * median under load only (`bench/store/replicated-load.ts`, issue 14).
 */
export const DEFAULT_GROUP_COMMIT_MS = 5;

/**
 * Default records per document before it is compacted. A record is a place on disk (≈ 40 B of
 * heap), not the update's bytes, so a busy document can wait longer: each compaction merges the
 * whole document again. After 60 s at 22,600 updates/s on 3 nodes, compactions every 500
 * records kept the core saturated ≈ 7 s after the burst ended, every 2,000 ≈ 2 s (the bench's
 * overload step run alone, issue 14).
 */
export const DEFAULT_COMPACT_AFTER_RECORDS = 2000;

/** `setImmediate` as a cancellable end-of-turn hook. */
export function setImmediateEndOfTurn(fn: () => void): () => void {
  const immediate = setImmediate(fn);
  return () => clearImmediate(immediate);
}

/** The journal directory under a data directory (`~` keeps it apart from document directories). */
export const JOURNAL_DIR = '~journal';

/**
 * One durable journal record of a document: where its update is, not its bytes. Records are
 * read back from their segment when the document is loaded or compacted (the page cache
 * usually holds them), so the journal keeps no copy of what it stored in memory: a node's heap
 * does not grow with the updates written between compactions, and a replayed journal does not
 * keep its segments' bytes.
 */
interface Rec {
  readonly lsn: number;
  readonly path: string;
  readonly at: number;
  readonly length: number;
}

/** What the store knows of one document; changed only on the main thread. */
interface Doc {
  readonly id: string;
  /** Generation of its content, durable or queued (`null`: no document). */
  generation: string | null;
  /** Its directory (snapshot + old log), if any. */
  dir: DirMeta | null;
  /** Stored bytes of the directory once read. */
  dirBytes: number | null;
  /** Durable journal records not yet in the directory, in order. */
  records: Rec[];
  recordBytes: number;
  /** Appends queued in windows not settled yet. */
  queued: number;
  /** Chain of load/compact/delete tasks (call order). */
  tail: Promise<unknown>;
  /** Deletes in progress; appends issued meanwhile wait for them. */
  deletes: number;
  held: (() => void)[];
  corrupt: StoreCorruptError | null;
  compactionScheduled: boolean;
}

interface Waiter {
  readonly doc: Doc;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Appends it stands for (0 for a delete). */
  count: number;
  readonly promise: Promise<void>;
}

/** One commit window: the ops of one frame and who waits for it. */
interface Window {
  readonly ops: JournalOp[];
  /** The open append op and its waiter per document (closed by a delete of the document). */
  readonly groups: Map<Doc, { readonly updates: Uint8Array[]; readonly waiter: Waiter }>;
  readonly waiters: Waiter[];
  readonly settled: Promise<void>;
  readonly settle: () => void;
}

const RECORD_OVERHEAD = 4;

/**
 * A `DocStore` on one node-wide journal (DESIGN N7, N2, C4). Layout under `dir`:
 * `~journal/<seq>.wal` segments (see `journal-format.ts`) and, per compacted document, the
 * file store's directory (`doc-dirs.ts`), so a file-store data directory is read as is.
 *
 * - Appends of every document issued within a commit window (the current turn of the event
 *   loop when the journal was idle; under load what arrives until `groupCommitMs` after the
 *   previous window started, or while it is being written) become one frame: one `O_DSYNC`
 *   `write` (data-synced like `fdatasync`) on the open, preallocated segment, off the main
 *   thread (libuv).
 *   Each document's appends of a window share one promise, resolved once the frame is
 *   durable; a failed write or sync rejects every append of the window with `StoreIoError`
 *   (the barrier is shared by all documents) and the next window goes to a new segment.
 * - Calls on one document take effect in call order; `load` sees every append issued before
 *   it; an append issued after `delete` starts a new document.
 * - Documents whose journal records pass the thresholds, and every document with records in
 *   a closed segment, are compacted in the background into their directory's snapshot;
 *   a segment is removed once none of its records is needed.
 * - On start the journal is replayed: a torn tail frame (never acknowledged) is ignored; a
 *   damaged frame followed by a valid one makes every call reject with `StoreCorruptError`
 *   (the files are left untouched).
 * - `close` commits pending appends and waits for background work; later calls reject.
 */
export function createJournalStore(options: JournalStoreOptions): DocStore {
  const root = resolve(options.dir);
  const journalDir = join(root, JOURNAL_DIR);
  const fs = options.fs ?? nodeStoreFs;
  const log = options.log ?? createSilentLogger();
  const clock = options.clock ?? systemClock();
  const delayMs = options.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS;
  const endOfTurn = options.endOfTurn ?? setImmediateEndOfTurn;
  // the default merges in turns: clients' messages wait for one group's merge at most (issue 14)
  const compaction =
    options.compaction ?? compactionOnEventLoop((path, ranges) => fs.readRanges(path, ranges));
  const segmentBytes = options.segmentBytes ?? 16 * 1024 * 1024;
  const compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024;
  const compactAfterRecords = options.compactAfterRecords ?? DEFAULT_COMPACT_AFTER_RECORDS;
  const docs = new Map<string, Doc>();
  const background = new Set<Promise<void>>();
  const segments = createSegmentReader(fs);
  let writer: JournalWriter | null = null;
  let nextLsn = 0;
  let ready: Promise<void> | null = null;
  let isReady = false;
  let closed = false;
  let closing: Promise<void> | null = null;
  let open: Window | null = null;
  let writing: Window | null = null;
  let cancelTimer: (() => void) | null = null;
  /** When the last window started (clock ms); windows start at least `delayMs` apart. */
  let lastStart = Number.NEGATIVE_INFINITY;
  let retiring = false;

  const docOf = (id: string): Doc => {
    let doc = docs.get(id);
    if (!doc) {
      doc = {
        id,
        generation: null,
        dir: null,
        dirBytes: null,
        records: [],
        recordBytes: 0,
        queued: 0,
        tail: Promise.resolve(),
        deletes: 0,
        held: [],
        corrupt: null,
        compactionScheduled: false,
      };
      docs.set(id, doc);
    }
    return doc;
  };

  const stored = (doc: Doc): boolean => doc.dir !== null || doc.records.length > 0;

  const replay = async (): Promise<void> => {
    await fs.mkdir(journalDir, { recursive: true });
    await syncDir(fs, root);
    await syncDir(fs, resolve(root, '..'));
    const scan = await scanDocDirs(fs, root, log);
    for (const [id, dir] of scan.dirs) {
      const doc = docOf(id);
      doc.dir = dir;
      doc.generation = dir.generation;
    }
    for (const [id, error] of scan.corrupt) docOf(id).corrupt = error;
    const journal = await readJournal(fs, journalDir, JOURNAL_DIR);
    for (const [id, error] of journal.corrupt) docOf(id).corrupt = error;
    const { segments, ops } = journal;
    let maxLsn = journal.maxLsn;
    const resets = new Map<string, number>();
    for (const { lsn, op } of ops) if (op.kind === OP_DELETE) resets.set(op.docId, lsn);
    for (const [id, lsn] of resets) {
      const doc = docOf(id);
      if (doc.dir && doc.dir.coversLsn < lsn) {
        await removeDocDir(fs, root, id);
        doc.dir = null;
        doc.generation = null;
      }
    }
    for (const { lsn, op, path, offsets } of ops) {
      const doc = docOf(op.docId);
      if (doc.dir && lsn <= doc.dir.coversLsn) continue;
      if (op.kind === OP_DELETE) {
        doc.records = [];
        doc.recordBytes = 0;
        doc.generation = null;
        continue;
      }
      if (doc.generation !== null && doc.generation !== op.generation) {
        log.warn('journal records of another generation ignored', {
          docId: op.docId,
          generation: op.generation,
        });
        continue;
      }
      doc.generation = op.generation;
      op.updates.forEach((update, j) => {
        doc.records.push({ lsn, path, at: offsets[j] as number, length: update.length });
        doc.recordBytes += update.length + RECORD_OVERHEAD;
      });
    }
    for (const doc of docs.values()) {
      if (doc.dir) maxLsn = Math.max(maxLsn, doc.dir.coversLsn);
      if (!stored(doc) && !doc.corrupt) docs.delete(doc.id);
    }
    nextLsn = maxLsn + 1;
    writer = createJournalWriter({
      fs,
      dir: journalDir,
      segmentBytes,
      firstSeq: journal.maxSeq + 1,
      existing: segments,
    });
    isReady = true;
  };

  const ensureReady = (): Promise<void> => {
    ready ??= replay().catch((error: unknown) => {
      ready = null;
      docs.clear();
      throw error;
    });
    return ready;
  };

  const io = async <T>(docId: string, task: () => Promise<T>): Promise<T> => {
    try {
      return await task();
    } catch (error) {
      if (
        error instanceof StoreCorruptError ||
        error instanceof StoreIoError ||
        error instanceof GenerationMismatchError
      ) {
        throw error;
      }
      throw new StoreIoError(docId, error);
    }
  };

  const assertOpen = (docId: string): void => {
    if (closed) throw new StoreIoError(docId, new Error('store is closed'));
  };

  // ---- commit windows -------------------------------------------------------------------

  const newWindow = (): Window => {
    let settle = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    return { ops: [], groups: new Map(), waiters: [], settled, settle };
  };

  const newWaiter = (doc: Doc, count: number): Waiter => {
    let resolve = () => {};
    let reject: (error: unknown) => void = () => {};
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { doc, resolve, reject, count, promise };
  };

  const openWindow = (): Window => {
    if (open) return open;
    open = newWindow();
    if (!writing) schedule();
    return open;
  };

  /** Starts the open window at the end of this turn, or once `delayMs` passed since the last. */
  const schedule = (): void => {
    const wait = lastStart + delayMs - clock.now();
    cancelTimer = wait > 0 ? clock.after(wait, kick) : endOfTurn(kick);
  };

  const kick = (): void => {
    cancelTimer = null;
    if (!writing && open) start(open);
  };

  const start = (w: Window): void => {
    cancelTimer?.();
    cancelTimer = null;
    open = null;
    writing = w;
    lastStart = clock.now();
    void commit(w).finally(() => {
      writing = null;
      w.settle();
      if (!open) return;
      // what arrived during the write: at once, or once `delayMs` passed since this one started
      if (lastStart + delayMs <= clock.now()) start(open);
      else schedule();
    });
  };

  const commit = async (w: Window): Promise<void> => {
    const firstLsn = nextLsn;
    nextLsn += w.ops.length;
    const touched = new Set<string>();
    for (const op of w.ops) touched.add(op.docId);
    // where each update is in the frame, lengths included: taken with the frame, so what a
    // caller does with its arrays later changes nothing
    const ranges: ByteRange[] = [];
    let place: FramePlace;
    try {
      if (!writer) throw new Error('journal is not open');
      const frame = encodeFrame(firstLsn, w.ops, ranges);
      place = await writer.write(frame, firstLsn + w.ops.length - 1, touched);
    } catch (error) {
      for (const waiter of w.waiters) {
        const doc = waiter.doc;
        doc.queued -= waiter.count;
        if (doc.queued === 0 && !stored(doc) && doc.deletes === 0) doc.generation = null;
        waiter.reject(new StoreIoError(doc.id, error));
      }
      return;
    }
    let next = 0;
    w.ops.forEach((op, i) => {
      if (op.kind !== OP_APPEND) return;
      const doc = docOf(op.docId);
      for (let k = 0; k < op.updates.length; k++) {
        const { at, length } = ranges[next++] as ByteRange;
        doc.records.push({ lsn: firstLsn + i, path: place.path, at: place.position + at, length });
        doc.recordBytes += length + RECORD_OVERHEAD;
      }
    });
    for (const waiter of w.waiters) {
      waiter.doc.queued -= waiter.count;
      waiter.resolve();
      maybeCompact(waiter.doc);
    }
    if (writer && writer.closed().length > 0 && writer.filling()) scheduleRetire();
  };

  /** Settles when every window open or written now has settled; starts the open one. */
  const barrier = (): Promise<void> => {
    const w = open ?? writing;
    if (!w) return Promise.resolve();
    if (open && !writing) start(open);
    return w.settled;
  };

  const appendNow = (doc: Doc, update: Uint8Array, generation: string): Promise<void> => {
    if (doc.deletes > 0) {
      return new Promise<void>((resolve, reject) => {
        doc.held.push(() => appendNow(doc, update, generation).then(resolve, reject));
      });
    }
    if (doc.corrupt) return Promise.reject(doc.corrupt);
    if (doc.generation !== null && doc.generation !== generation) {
      return Promise.reject(new GenerationMismatchError(doc.id, doc.generation, generation));
    }
    doc.generation = generation;
    doc.queued++;
    const w = openWindow();
    const group = w.groups.get(doc);
    if (group) {
      group.updates.push(update);
      group.waiter.count++;
      return group.waiter.promise;
    }
    const updates = [update];
    const waiter = newWaiter(doc, 1);
    w.ops.push({ kind: OP_APPEND, docId: doc.id, generation, updates });
    w.waiters.push(waiter);
    w.groups.set(doc, { updates, waiter });
    return waiter.promise;
  };

  const appendDelete = (doc: Doc): Promise<void> => {
    const w = openWindow();
    w.groups.delete(doc);
    const waiter = newWaiter(doc, 0);
    w.ops.push({ kind: OP_DELETE, docId: doc.id });
    w.waiters.push(waiter);
    return waiter.promise;
  };

  // ---- per-document tasks -----------------------------------------------------------------

  const task = <R>(doc: Doc, fn: () => Promise<R>): Promise<R> => {
    const run = doc.tail.then(() => io(doc.id, fn));
    doc.tail = run.catch(() => {});
    return run;
  };

  const dirContent = async (doc: Doc) => {
    if (!doc.dir) return { updates: [] as Uint8Array[], bytes: 0 };
    const content = await readDocDir(fs, root, doc.id);
    doc.dirBytes = content.bytes;
    return content;
  };

  /**
   * The updates of `records`, in order, read back from their segments (`SegmentReader`); from a
   * segment that is not pinned with `readUnpinned` (default `fs`'s reads, on this event loop).
   */
  const readRecords = async (
    records: readonly Rec[],
    readUnpinned?: CompactionWork['read'],
  ): Promise<Uint8Array[]> => {
    const out: Uint8Array[] = new Array(records.length);
    const bySegment = new Map<string, number[]>();
    records.forEach((r, i) => {
      const list = bySegment.get(r.path);
      if (list) list.push(i);
      else bySegment.set(r.path, [i]);
    });
    for (const [path, indexes] of bySegment) {
      const bytes = await segments.read(
        path,
        indexes.map((i) => records[i] as Rec),
        readUnpinned,
      );
      indexes.forEach((i, k) => {
        out[i] = bytes[k] as Uint8Array;
      });
    }
    return out;
  };

  const compactLocked = async (doc: Doc, minEntries = 0): Promise<void> => {
    await barrier();
    if (doc.corrupt) throw doc.corrupt;
    if (doc.records.length < minEntries) return;
    const records = doc.records.slice();
    if (records.length === 0 && (!doc.dir || doc.dir.coversLsn >= 0)) return;
    const generation = doc.generation ?? doc.dir?.generation;
    if (generation === undefined) return;
    const content = await dirContent(doc);
    if (records.length === 0 && content.updates.length <= 1) return;
    const updates = [...content.updates, ...(await readRecords(records, compaction.read))];
    let merged: Uint8Array;
    try {
      merged = await compaction.merge(updates);
    } catch (error) {
      throw new StoreCorruptError(
        doc.id,
        `stored updates cannot be merged: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const coversLsn = records.at(-1)?.lsn ?? doc.dir?.coversLsn ?? -1;
    if (!doc.dir) await removeDocDir(fs, root, doc.id);
    const bytes = await writeDocSnapshot(
      fs,
      root,
      doc.id,
      generation,
      merged,
      coversLsn,
      doc.dir !== null,
    );
    doc.dir = { generation, coversLsn };
    doc.dirBytes = bytes;
    const kept = doc.records.filter((r) => r.lsn > coversLsn);
    doc.records = kept;
    doc.recordBytes = kept.reduce((n, r) => n + r.length + RECORD_OVERHEAD, 0);
  };

  const track = (work: Promise<void>): void => {
    background.add(work);
    void work.finally(() => background.delete(work));
  };

  const maybeCompact = (doc: Doc): void => {
    if (closed || doc.compactionScheduled) return;
    if (doc.recordBytes < compactAfterBytes && doc.records.length < compactAfterRecords) return;
    doc.compactionScheduled = true;
    track(
      task(doc, () => compactLocked(doc))
        .catch((error: unknown) =>
          log.warn('background compaction failed', { docId: doc.id, error }),
        )
        .finally(() => {
          doc.compactionScheduled = false;
        }),
    );
  };

  /** Compacts what closed segments hold, then removes them, oldest first (in the background). */
  const scheduleRetire = (): void => {
    if (retiring || closed || !writer) return;
    const w = writer;
    retiring = true;
    track(
      (async () => {
        try {
          for (const segment of [...w.closed()]) {
            let needed = false;
            const inIt = (doc: Doc | undefined) =>
              doc?.records.some((r) => r.lsn <= segment.lastLsn) ?? false;
            // its documents are compacted now: one read of the segment serves them all (none
            // when earlier compactions already took every entry it holds)
            const pin = [...segment.docs].some((id) => inIt(docs.get(id)));
            if (pin) await segments.pin(segment.path);
            try {
              for (const id of segment.docs) {
                const doc = docs.get(id);
                if (!doc) continue;
                // a corrupt document's bytes are kept until it is deleted
                if (doc.corrupt) needed = true;
                else {
                  await task(doc, async () => {
                    if (inIt(doc)) await compactLocked(doc);
                  });
                }
              }
            } finally {
              segments.unpin(segment.path);
            }
            if (!needed) await w.remove(segment);
          }
        } catch (error) {
          log.warn('journal segment could not be retired yet', { error });
        } finally {
          retiring = false;
        }
      })(),
    );
  };

  /** Deletes `doc` in call order; appends issued meanwhile wait and start a new document. */
  const deleteNow = async (doc: Doc, ifBytes: number | undefined): Promise<boolean> => {
    doc.deletes++;
    try {
      return await task(doc, async () => {
        await barrier();
        if (!stored(doc) && !doc.corrupt) return true;
        if (ifBytes !== undefined && !doc.corrupt) {
          const dirBytes = doc.dir ? (doc.dirBytes ?? (await dirContent(doc)).bytes) : 0;
          if (dirBytes + doc.recordBytes !== ifBytes) return false;
        }
        await appendDelete(doc);
        const hadDir = doc.dir !== null || doc.corrupt !== null;
        doc.records = [];
        doc.recordBytes = 0;
        doc.dir = null;
        doc.dirBytes = null;
        doc.corrupt = null;
        doc.generation = null;
        if (hadDir) await removeDocDir(fs, root, doc.id);
        return true;
      });
    } finally {
      doc.deletes--;
      if (doc.deletes === 0) for (const release of doc.held.splice(0)) release();
    }
  };

  const whenReady = async <T>(docId: string, fn: () => Promise<T>): Promise<T> => {
    assertStorableDocId(docId);
    assertOpen(docId);
    await io(docId, ensureReady);
    return fn();
  };

  return {
    load(docId) {
      return whenReady(docId, async () => {
        const doc = docs.get(docId);
        if (!doc) return null;
        return task(doc, async (): Promise<StoredDoc | null> => {
          await barrier();
          if (doc.corrupt) throw doc.corrupt;
          if (!stored(doc)) return null;
          const records = doc.records.slice();
          const recordBytes = doc.recordBytes;
          const content = await dirContent(doc);
          const updates = [...content.updates, ...(await readRecords(records))];
          const generation = doc.dir?.generation ?? doc.generation;
          if (updates.length === 0 || generation === null) return null;
          return { updates, generation, bytes: content.bytes + recordBytes };
        });
      });
    },

    append(docId, update, generation) {
      // a document the store already knows was validated when it was first named
      const known = isReady && !closed ? docs.get(docId) : undefined;
      if (known) return appendNow(known, update, generation);
      try {
        assertStorableDocId(docId);
        assertOpen(docId);
      } catch (error) {
        return Promise.reject(error);
      }
      if (isReady) return appendNow(docOf(docId), update, generation);
      return io(docId, ensureReady).then(() => appendNow(docOf(docId), update, generation));
    },

    compact(docId, options) {
      return whenReady(docId, async () => {
        const doc = docs.get(docId);
        if (doc) await task(doc, () => compactLocked(doc, options?.minEntries));
      });
    },

    list() {
      return (async () => {
        assertOpen('');
        await io('', ensureReady);
        return [...docs.values()]
          .filter((doc) => stored(doc) || doc.corrupt !== null)
          .map((doc) => doc.id)
          .sort();
      })();
    },

    delete(docId, ifBytes) {
      try {
        assertStorableDocId(docId);
        assertOpen(docId);
      } catch (error) {
        return Promise.reject(error);
      }
      if (isReady) return deleteNow(docOf(docId), ifBytes);
      return io(docId, ensureReady).then(() => deleteNow(docOf(docId), ifBytes));
    },

    close() {
      closed = true;
      closing ??= (async () => {
        if (!ready) return;
        await ready.catch(() => {});
        while (open || writing) await barrier();
        while (background.size > 0) await Promise.all([...background]);
        await writer?.close();
      })();
      return closing;
    },
  };
}
