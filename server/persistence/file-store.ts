import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import type { Clock } from '../clock.ts';
import { createSilentLogger, type Logger } from '../log.ts';
import { assertStorableDocId, docDirName, docIdFromDirName, isDocDirName } from './doc-id.ts';
import { createGroupCommit } from './group-commit.ts';
import { mergeUpdates } from './merge-updates.ts';
import { decodeLog, decodeSnapshot, encodeRecord, encodeSnapshot } from './record-log.ts';
import {
  type CompactOptions,
  type DocStore,
  partitionByGeneration,
  StoreCorruptError,
  type StoredDoc,
  StoreIoError,
} from './store.ts';
import {
  closeQuietly,
  isNotFound,
  nodeStoreFs,
  OPEN,
  type StoreFs,
  syncDir,
  writeAll,
  writeFileDurably,
} from './store-fs.ts';

export interface FileStoreOptions {
  /** Data directory; created on first use. One store per directory at a time. */
  readonly dir: string;
  /** How long the first append of an idle document waits for others before the fsync (default 2 ms). */
  readonly groupCommitMs?: number;
  /** A document's log is compacted in the background once it holds this many bytes (default 1 MiB)… */
  readonly compactAfterBytes?: number;
  /** …or this many records (default 500). */
  readonly compactAfterRecords?: number;
  /** Documents whose file state is cached; idle ones beyond this are forgotten (default 10,000). */
  readonly maxCachedDocs?: number;
  /** Where background failures (compaction) are reported (default silent). */
  readonly log?: Logger;
  /** File-system facade (default the real one); tests inject faults through it. */
  readonly fs?: StoreFs;
  /** Runs the group-commit timer (default the system clock). */
  readonly clock?: Clock;
}

/** Where the file store keeps one document under `dir`. */
export interface DocPaths {
  readonly dir: string;
  readonly meta: string;
  readonly metaTmp: string;
  readonly snapshot: string;
  readonly snapshotTmp: string;
  readonly log: string;
}

/** Paths of `docId`'s files under the store directory `root` (throws `InvalidDocIdError`). */
export function fileStorePaths(root: string, docId: string): DocPaths {
  assertStorableDocId(docId);
  const dir = join(resolve(root), docDirName(docId));
  return {
    dir,
    meta: join(dir, 'meta.json'),
    metaTmp: join(dir, 'meta.tmp'),
    snapshot: join(dir, 'snapshot.bin'),
    snapshotTmp: join(dir, 'snapshot.tmp'),
    log: join(dir, 'log.bin'),
  };
}

export interface Meta {
  readonly format: 1;
  readonly id: string;
  readonly generation: string;
  readonly created: string;
}

/** What the store knows of a document's files; only changed in the document's ordered stream. */
interface DocState {
  /** meta.json is durable and the document has durable content (a snapshot or ≥ 1 record). */
  exists: boolean;
  generation: string;
  /** Acknowledged (fsynced, valid) bytes at the start of log.bin. */
  logBytes: number;
  logRecords: number;
  snapshotBytes: number;
  /** Size of log.bin if known; when it differs from `logBytes` the file is truncated before the next write. */
  fileBytes: number;
}

/** A document's cached file state; only used inside the document's group-commit stream. */
interface Handle {
  readonly id: string;
  readonly paths: DocPaths;
  state: DocState | null;
}

interface PendingAppend {
  readonly record: Uint8Array;
  readonly generation: string;
}

interface DiskDoc {
  readonly state: DocState;
  readonly snapshot: Uint8Array | null;
  readonly records: Uint8Array[];
}

const absentState = (): DocState => ({
  exists: false,
  generation: '',
  logBytes: 0,
  logRecords: 0,
  snapshotBytes: 0,
  fileBytes: Number.NaN,
});

/**
 * A `DocStore` on plain files (DESIGN N2, C4). Layout: `<dir>/<docDirName(id)>/` holding
 * `meta.json` (id, generation, created), `snapshot.bin` (a merged Yjs update) and `log.bin`
 * (records appended since the snapshot); see `record-log.ts` for the formats.
 *
 * - Calls on one document take effect in call order (a `load` sees every append issued before
 *   it; an append issued after `delete` starts a new document); documents run in parallel.
 * - `append` resolves only after its bytes are fsynced. Group commit: appends arriving within
 *   `groupCommitMs`, or while a document's fsync is in flight, are written and fsynced together
 *   (one fsync per document per batch; documents in parallel). A document's first append also
 *   fsyncs its meta and directories. Failures reject with `StoreIoError`; other documents go on.
 * - A torn tail of a log (never acknowledged) is ignored on load and truncated before the next
 *   append; damage anywhere else is `StoreCorruptError`, and the files are then never written.
 * - `compact` merges snapshot + log into a new snapshot (tmp → fsync → rename → fsync dir) and
 *   empties the log; appends issued meanwhile land after it. Logs past the thresholds are
 *   compacted in the background.
 * - `delete` renames the directory to a trash name, fsyncs, then removes it.
 * - `close` commits pending appends and waits for background work; later calls reject.
 */
export function createFileStore(options: FileStoreOptions): DocStore {
  const root = resolve(options.dir);
  const fs = options.fs ?? nodeStoreFs;
  const log = options.log ?? createSilentLogger();
  const compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024;
  const compactAfterRecords = options.compactAfterRecords ?? 500;
  const maxCachedDocs = options.maxCachedDocs ?? 10_000;
  const handles = new Map<string, Handle>();
  const background = new Set<Promise<void>>();
  const compactionsScheduled = new Set<string>();
  let closed = false;
  let closing: Promise<void> | null = null;
  let ready: Promise<void> | null = null;

  const init = async (): Promise<void> => {
    const created = await fs.mkdir(root, { recursive: true });
    if (created !== undefined) {
      // make every directory just created durable, and its entry in the directory above
      const top = dirname(resolve(created));
      const dirs = [top];
      for (let dir = root; dir !== top && dir !== dirname(dir); dir = dirname(dir)) dirs.push(dir);
      await Promise.all(dirs.map((dir) => syncDir(fs, dir)));
    }
    for (const name of await fs.readdir(root)) {
      if (!name.startsWith('~trash-')) continue;
      await fs.rm(join(root, name), { recursive: true, force: true }).catch((error: unknown) => {
        log.warn('could not remove deleted document', { path: join(root, name), error });
      });
    }
  };

  const ensureReady = (): Promise<void> => {
    ready ??= init().catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };

  const io = async <T>(docId: string, task: () => Promise<T>): Promise<T> => {
    try {
      return await task();
    } catch (error) {
      if (error instanceof StoreCorruptError || error instanceof StoreIoError) throw error;
      throw new StoreIoError(docId, error);
    }
  };

  const assertOpen = (docId: string): void => {
    if (closed) throw new StoreIoError(docId, new Error('store is closed'));
  };

  const readOptional = async (path: string): Promise<Uint8Array | null> => {
    try {
      return await fs.readFile(path);
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    }
  };

  const handleOf = (docId: string): Handle => {
    const known = handles.get(docId);
    if (known) {
      handles.delete(docId);
      handles.set(docId, known);
      return known;
    }
    if (handles.size >= maxCachedDocs) {
      for (const id of handles.keys()) {
        if (handles.size < maxCachedDocs) break;
        if (!groupCommit.busy(id) && !compactionsScheduled.has(id)) {
          handles.delete(id);
        }
      }
    }
    const handle: Handle = { id: docId, paths: fileStorePaths(root, docId), state: null };
    handles.set(docId, handle);
    return handle;
  };

  /** Reads and validates a document's files; caches its state. Call in the document's stream. */
  const readDisk = async (h: Handle): Promise<DiskDoc> => {
    const cached = h.state;
    if (cached && !cached.exists) return { state: cached, snapshot: null, records: [] };
    const metaBytes = await readOptional(h.paths.meta);
    if (metaBytes === null) {
      if ((await readOptional(h.paths.snapshot)) !== null) {
        throw new StoreCorruptError(h.id, 'snapshot.bin exists without meta.json');
      }
      const state = absentState();
      h.state = state;
      return { state, snapshot: null, records: [] };
    }
    const meta = parseMeta(metaBytes, h.id);
    const snapshotFile = await readOptional(h.paths.snapshot);
    const snapshot = snapshotFile === null ? null : decodeSnapshot(snapshotFile, h.id);
    const logFile = (await readOptional(h.paths.log)) ?? new Uint8Array(0);
    if (cached) {
      const decoded = decodeLog(logFile.subarray(0, cached.logBytes), h.id);
      if (decoded.validBytes < cached.logBytes) {
        throw new StoreCorruptError(h.id, 'log.bin is shorter than its acknowledged length');
      }
      cached.snapshotBytes = snapshotFile?.length ?? 0;
      return { state: cached, snapshot, records: decoded.records };
    }
    const decoded = decodeLog(logFile, h.id);
    const state: DocState = {
      exists: snapshot !== null || decoded.records.length > 0,
      generation: meta.generation,
      logBytes: decoded.validBytes,
      logRecords: decoded.records.length,
      snapshotBytes: snapshotFile?.length ?? 0,
      fileBytes: logFile.length,
    };
    h.state = state;
    return { state, snapshot, records: decoded.records };
  };

  const initialize = async (
    h: Handle,
    generation: string,
    data: Uint8Array,
    records: number,
  ): Promise<DocState> => {
    const meta: Meta = { format: 1, id: h.id, generation, created: new Date().toISOString() };
    try {
      await fs.mkdir(h.paths.dir, { recursive: true });
      await writeFileDurably(fs, h.paths.metaTmp, new TextEncoder().encode(JSON.stringify(meta)));
      await fs.rename(h.paths.metaTmp, h.paths.meta);
      await writeFileDurably(fs, h.paths.log, data);
      await Promise.all([syncDir(fs, h.paths.dir), syncDir(fs, root)]);
    } catch (error) {
      h.state = absentState();
      // nothing in this directory was ever acknowledged: leave no half-made document behind
      await fs.rm(h.paths.dir, { recursive: true, force: true }).catch(() => {});
      throw error;
    }
    const state: DocState = {
      exists: true,
      generation,
      logBytes: data.length,
      logRecords: records,
      snapshotBytes: 0,
      fileBytes: data.length,
    };
    h.state = state;
    return state;
  };

  const writeBatch = async (h: Handle, items: readonly PendingAppend[]): Promise<DocState> => {
    const state = h.state ?? (await readDisk(h)).state;
    const data = Buffer.concat(items.map((item) => item.record));
    if (!state.exists) return initialize(h, items[0]?.generation ?? '', data, items.length);
    const file = await fs.open(h.paths.log, OPEN.readWrite);
    try {
      if (state.fileBytes !== state.logBytes) await file.truncate(state.logBytes);
      state.fileBytes = Number.NaN;
      await writeAll(file, data, state.logBytes);
      await file.sync();
      state.logBytes += data.length;
      state.logRecords += items.length;
      state.fileBytes = state.logBytes;
    } finally {
      await closeQuietly(file);
    }
    return state;
  };

  const compactLocked = async (h: Handle, minEntries = 0): Promise<void> => {
    if (h.state && h.state.logRecords < minEntries) return;
    const disk = await readDisk(h);
    const state = disk.state;
    if (!state.exists || disk.records.length === 0 || disk.records.length < minEntries) return;
    const parts = disk.snapshot ? [disk.snapshot, ...disk.records] : disk.records;
    let merged: Uint8Array;
    try {
      merged = mergeUpdates(parts);
    } catch (error) {
      throw new StoreCorruptError(
        h.id,
        `stored updates cannot be merged: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const snapshotFile = encodeSnapshot(merged);
    await writeFileDurably(fs, h.paths.snapshotTmp, snapshotFile);
    await fs.rename(h.paths.snapshotTmp, h.paths.snapshot);
    state.snapshotBytes = snapshotFile.length;
    await syncDir(fs, h.paths.dir);
    // the snapshot now holds every record: from here an empty or a full log are both correct
    state.logBytes = 0;
    state.logRecords = 0;
    state.fileBytes = Number.NaN;
    const file = await fs.open(h.paths.log, OPEN.readWrite);
    try {
      await file.truncate(0);
      await file.sync();
      state.fileBytes = 0;
    } finally {
      await closeQuietly(file);
    }
  };

  /** Runs `task` on `docId`'s handle, ordered with its appends; errors become store errors. */
  const inOrder = <R>(docId: string, task: (h: Handle) => Promise<R>): Promise<R> =>
    groupCommit.run(docId, () =>
      io(docId, async () => {
        await ensureReady();
        return task(handleOf(docId));
      }),
    );

  const compactDoc = (docId: string, minEntries = 0): Promise<void> =>
    inOrder(docId, (h) => compactLocked(h, minEntries));

  const maybeCompact = (docId: string, state: DocState): void => {
    if (closed || compactionsScheduled.has(docId)) return;
    if (state.logBytes < compactAfterBytes && state.logRecords < compactAfterRecords) return;
    compactionsScheduled.add(docId);
    const task: Promise<void> = compactDoc(docId)
      .catch((error: unknown) => log.warn('background compaction failed', { docId, error }))
      .finally(() => {
        compactionsScheduled.delete(docId);
        background.delete(task);
      });
    background.add(task);
  };

  const groupCommit = createGroupCommit<PendingAppend>({
    delayMs: options.groupCommitMs ?? 2,
    ...(options.clock ? { after: options.clock.after } : {}),
    commit: async (docId, items) => {
      let outcome: unknown[] = [];
      const state = await io(docId, async () => {
        await ensureReady();
        const h = handleOf(docId);
        const known = h.state ?? (await readDisk(h)).state;
        const split = partitionByGeneration(docId, known.exists ? known.generation : null, items);
        outcome = split.outcome;
        if (split.accepted.length === 0) return null;
        return writeBatch(h, split.accepted);
      });
      if (state) maybeCompact(docId, state);
      return outcome;
    },
  });

  return {
    async load(docId: string): Promise<StoredDoc | null> {
      assertStorableDocId(docId);
      assertOpen(docId);
      return inOrder(docId, async (h) => {
        const disk = await readDisk(h);
        if (!disk.state.exists) return null;
        const updates = disk.snapshot ? [disk.snapshot, ...disk.records] : disk.records;
        if (updates.length === 0) return null;
        return {
          updates,
          generation: disk.state.generation,
          bytes: disk.state.snapshotBytes + disk.state.logBytes,
        };
      });
    },

    append(docId: string, update: Uint8Array, generation: string): Promise<void> {
      try {
        assertStorableDocId(docId);
        assertOpen(docId);
      } catch (error) {
        return Promise.reject(error);
      }
      return groupCommit.add(docId, { record: encodeRecord(update), generation });
    },

    async compact(docId: string, options?: CompactOptions): Promise<void> {
      assertStorableDocId(docId);
      assertOpen(docId);
      await compactDoc(docId, options?.minEntries);
    },

    async list(): Promise<string[]> {
      assertOpen('');
      await io('', ensureReady);
      return io('', async () => {
        const names = (await fs.readdir(root)).filter(isDocDirName);
        const ids: string[] = [];
        for (let i = 0; i < names.length; i += 32) {
          const found = await Promise.all(
            names.slice(i, i + 32).map(async (name) => {
              const metaBytes = await readOptional(join(root, name, 'meta.json'));
              if (metaBytes === null) return null;
              const fromName = docIdFromDirName(name);
              try {
                const { id } = parseMeta(metaBytes, fromName ?? name, fromName);
                if (docDirName(id) === name) return id;
                log.warn('meta.json names a document of another directory', { dir: name, id });
              } catch (error) {
                log.warn('unreadable meta.json', { dir: name, error });
              }
              return fromName;
            }),
          );
          for (const id of found) if (id !== null) ids.push(id);
        }
        return ids.sort();
      });
    },

    async delete(docId: string, ifBytes?: number): Promise<boolean> {
      assertStorableDocId(docId);
      assertOpen(docId);
      return inOrder(docId, async (h) => {
        if (ifBytes !== undefined) {
          const state = h.state ?? (await readDisk(h)).state;
          if (state.exists && state.snapshotBytes + state.logBytes !== ifBytes) return false;
        }
        const trash = join(root, `~trash-${randomUUID()}`);
        try {
          await fs.rename(h.paths.dir, trash);
        } catch (error) {
          if (!isNotFound(error)) throw error;
          h.state = absentState();
          return true;
        }
        h.state = absentState();
        await syncDir(fs, root);
        await fs.rm(trash, { recursive: true, force: true });
        return true;
      });
    },

    close(): Promise<void> {
      closed = true;
      closing ??= (async () => {
        await groupCommit.flushAll();
        await Promise.all([...background]);
      })();
      return closing;
    },
  };
}

/** Parses a document's meta.json (shared with the journal store); `expectedId` (default `docId`, `null` = any) must match its id. */
export function parseMeta(
  bytes: Uint8Array,
  docId: string,
  expectedId: string | null = docId,
): Meta {
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new StoreCorruptError(docId, 'meta.json is not JSON');
  }
  const m = meta as Partial<Meta> | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    m.format !== 1 ||
    typeof m.id !== 'string' ||
    typeof m.generation !== 'string' ||
    typeof m.created !== 'string'
  ) {
    throw new StoreCorruptError(docId, 'meta.json lacks format/id/generation/created');
  }
  if (expectedId !== null && m.id !== expectedId) {
    throw new StoreCorruptError(docId, `meta.json belongs to ${JSON.stringify(m.id)}`);
  }
  return m as Meta;
}
