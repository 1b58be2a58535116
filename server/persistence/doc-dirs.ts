import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { docDirName, docIdFromDirName, isDocDirName } from './doc-id.ts';
import { fileStorePaths, type Meta, parseMeta } from './file-store.ts';
import { decodeLog, decodeSnapshot, encodeSnapshot } from './record-log.ts';
import { StoreCorruptError } from './store.ts';
import {
  closeQuietly,
  isNotFound,
  OPEN,
  type StoreFs,
  syncDir,
  writeFileDurably,
} from './store-fs.ts';

/**
 * Per-document directories of the journal store: the same layout as the file store
 * (`<root>/<docDirName(id)>/meta.json`, `snapshot.bin`, `log.bin`, see `file-store.ts`), so
 * a data directory of the file store is read as is (the upgrade path). The journal store
 * writes them only when it compacts a document: `meta.json` then also holds `journalLsn`, the
 * last journal LSN the snapshot covers (absent = none: an old file-store directory).
 */
export interface DirMeta {
  readonly generation: string;
  /** Journal ops of this document up to this LSN are in the directory (-1: none). */
  readonly coversLsn: number;
}

interface JournalMeta extends Meta {
  readonly journalLsn?: number;
}

/** What a directory scan found. */
export interface DirScan {
  readonly dirs: Map<string, DirMeta>;
  /** Directories that cannot be read back, by document id (left untouched). */
  readonly corrupt: Map<string, StoreCorruptError>;
}

const readOptional = async (fs: StoreFs, path: string): Promise<Uint8Array | null> => {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
};

/** Removes leftovers of interrupted deletes/creations and reads every document's meta.json. */
export async function scanDocDirs(fs: StoreFs, root: string, log: Logger): Promise<DirScan> {
  const dirs = new Map<string, DirMeta>();
  const corrupt = new Map<string, StoreCorruptError>();
  for (const name of await fs.readdir(root)) {
    if (name.startsWith('~trash-') || name.startsWith('~tmp-')) {
      await fs.rm(join(root, name), { recursive: true, force: true }).catch((error: unknown) => {
        log.warn('could not remove a leftover directory', { path: join(root, name), error });
      });
      continue;
    }
    if (!isDocDirName(name)) continue;
    const fromName = docIdFromDirName(name);
    const metaBytes = await readOptional(fs, join(root, name, 'meta.json'));
    if (metaBytes === null) {
      if ((await readOptional(fs, join(root, name, 'snapshot.bin'))) !== null && fromName) {
        corrupt.set(
          fromName,
          new StoreCorruptError(fromName, 'snapshot.bin exists without meta.json'),
        );
      }
      continue;
    }
    try {
      const meta = parseMeta(metaBytes, fromName ?? name, fromName) as JournalMeta;
      if (docDirName(meta.id) !== name) {
        log.warn('meta.json names a document of another directory', { dir: name, id: meta.id });
        continue;
      }
      const coversLsn = typeof meta.journalLsn === 'number' ? meta.journalLsn : -1;
      dirs.set(meta.id, { generation: meta.generation, coversLsn });
    } catch (error) {
      if (fromName && error instanceof StoreCorruptError) corrupt.set(fromName, error);
      else log.warn('unreadable meta.json', { dir: name, error });
    }
  }
  return { dirs, corrupt };
}

/** A directory's content: its snapshot (if any) then its log's records, and their bytes. */
export interface DirContent {
  readonly updates: Uint8Array[];
  readonly bytes: number;
}

/** Reads `docId`'s directory (torn log tail ignored, as in the file store). */
export async function readDocDir(fs: StoreFs, root: string, docId: string): Promise<DirContent> {
  const paths = fileStorePaths(root, docId);
  const snapshotFile = await readOptional(fs, paths.snapshot);
  const logFile = (await readOptional(fs, paths.log)) ?? new Uint8Array(0);
  const decoded = decodeLog(logFile, docId);
  const updates = snapshotFile
    ? [decodeSnapshot(snapshotFile, docId), ...decoded.records]
    : decoded.records;
  return { updates, bytes: (snapshotFile?.length ?? 0) + decoded.validBytes };
}

/**
 * Makes `merged` the document's snapshot covering journal LSNs up to `coversLsn`. A new
 * directory is built under a temporary name and renamed into place; an existing one gets the
 * snapshot (tmp → fsync → rename), then meta.json, then an emptied log.bin. A crash between
 * two steps leaves updates both in the snapshot and in a log or the journal: Yjs applies
 * them once. Returns the directory's stored bytes.
 */
export async function writeDocSnapshot(
  fs: StoreFs,
  root: string,
  docId: string,
  generation: string,
  merged: Uint8Array,
  coversLsn: number,
  exists: boolean,
): Promise<number> {
  const paths = fileStorePaths(root, docId);
  const meta: JournalMeta = {
    format: 1,
    id: docId,
    generation,
    created: new Date().toISOString(),
    journalLsn: coversLsn,
  };
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  const snapshot = encodeSnapshot(merged);
  if (!exists) {
    const tmp = join(root, `~tmp-${randomUUID()}`);
    try {
      await fs.mkdir(tmp, { recursive: true });
      await writeFileDurably(fs, join(tmp, 'snapshot.bin'), snapshot);
      await writeFileDurably(fs, join(tmp, 'meta.json'), metaBytes);
      await syncDir(fs, tmp);
      await fs.rename(tmp, paths.dir);
      await syncDir(fs, root);
    } catch (error) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => {});
      throw error;
    }
    return snapshot.length;
  }
  await writeFileDurably(fs, paths.snapshotTmp, snapshot);
  await fs.rename(paths.snapshotTmp, paths.snapshot);
  await writeFileDurably(fs, paths.metaTmp, metaBytes);
  await fs.rename(paths.metaTmp, paths.meta);
  await syncDir(fs, paths.dir);
  const logFile = await readOptional(fs, paths.log);
  if (logFile !== null && logFile.length > 0) {
    const file = await fs.open(paths.log, OPEN.readWrite);
    try {
      await file.truncate(0);
      await file.sync();
    } finally {
      await closeQuietly(file);
    }
  }
  return snapshot.length;
}

/** Removes `docId`'s directory durably (rename to trash, fsync, remove); absent is fine. */
export async function removeDocDir(fs: StoreFs, root: string, docId: string): Promise<void> {
  const trash = join(root, `~trash-${randomUUID()}`);
  try {
    await fs.rename(fileStorePaths(root, docId).dir, trash);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  await syncDir(fs, root);
  await fs.rm(trash, { recursive: true, force: true });
}
