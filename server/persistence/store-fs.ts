import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';

/** The file operations the file store uses on one open file (a subset of `FileHandle`). */
export interface StoreFile {
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  /** fdatasync: flushes the data (and the metadata needed to read it back), not mtime. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system facade of the file store (a subset of `node:fs/promises`), injectable so
 * tests can count or fail operations (see `testing/fault-fs.ts`).
 */
export interface StoreFs {
  open(path: string, flags: number): Promise<StoreFile>;
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Reads the byte ranges `ranges` of the file at `path` (one open), each into an array of its
   * own (sharing memory with nothing else), in the order given. A non-empty range that is not
   * wholly in the file rejects.
   */
  readRanges(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options: { recursive: true }): Promise<string | undefined>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { recursive: true; force: true }): Promise<void>;
  unlink(path: string): Promise<void>;
}

/** `length` bytes at byte `at` of a file. */
export interface ByteRange {
  readonly at: number;
  readonly length: number;
}

/**
 * Ranges closer than this are read with one `pread` (and copied apart), as long as that read
 * stays under `COALESCE_SPAN_BYTES`: a document written in most commit windows has its records
 * one frame apart, and one load must not read (and allocate) most of a segment to return them.
 */
const COALESCE_GAP_BYTES = 4 * 1024;
const COALESCE_SPAN_BYTES = 256 * 1024;

/** `readRanges` on the real file system: nearby ranges coalesced into one read. */
async function readRanges(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(ranges.length);
  if (ranges.length === 0) return out;
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a]!.at - ranges[b]!.at);
  const file = await fsp.open(path, constants.O_RDONLY);
  try {
    for (let i = 0; i < order.length; ) {
      const first = ranges[order[i]!]!;
      let end = first.at + first.length;
      let j = i + 1;
      while (j < order.length) {
        const next = ranges[order[j]!]!;
        const nextEnd = Math.max(end, next.at + next.length);
        if (next.at > end + COALESCE_GAP_BYTES || nextEnd - first.at > COALESCE_SPAN_BYTES) break;
        end = nextEnd;
        j++;
      }
      // not from Node's shared pool: a small result kept by the caller holds only its own bytes
      const span = Buffer.allocUnsafeSlow(end - first.at);
      let done = 0;
      while (done < span.length) {
        const { bytesRead } = await file.read(span, done, span.length - done, first.at + done);
        if (bytesRead === 0) throw new Error(`${path}: bytes ${first.at}–${end} are past its end`);
        done += bytesRead;
      }
      for (let k = i; k < j; k++) {
        const r = ranges[order[k]!]!;
        // a copy when the span holds several: none keeps the others' bytes alive
        out[order[k]!] =
          j - i === 1
            ? span
            : Uint8Array.prototype.slice.call(span, r.at - first.at, r.at - first.at + r.length);
      }
      i = j;
    }
  } finally {
    await file.close();
  }
  return out;
}

/** The real file system. */
export const nodeStoreFs: StoreFs = {
  open: (path, flags) => fsp.open(path, flags),
  readFile: (path) => fsp.readFile(path),
  readRanges,
  readdir: (path) => fsp.readdir(path),
  mkdir: (path, options) => fsp.mkdir(path, options),
  rename: (from, to) => fsp.rename(from, to),
  rm: (path, options) => fsp.rm(path, options),
  unlink: (path) => fsp.unlink(path),
};

/** Open flags used by the store. */
export const OPEN = {
  readWrite: constants.O_RDWR | constants.O_CREAT,
  create: constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC,
  directory: constants.O_RDONLY | constants.O_DIRECTORY,
  /**
   * An existing file whose every write is durable once it returns (`O_DSYNC`: the data and the
   * metadata needed to read it back, as `fdatasync`): one system call instead of two, so one
   * trip to libuv's thread pool per journal window.
   */
  durableWrites: constants.O_RDWR | constants.O_DSYNC,
} as const;

/** Writes all of `bytes` at `position`, looping over short writes. */
export async function writeAll(
  file: StoreFile,
  bytes: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
}

/** Closes `file`, ignoring close errors (the outcome was already decided by write/sync). */
export async function closeQuietly(file: StoreFile): Promise<void> {
  try {
    await file.close();
  } catch {
    // the data's fate was settled by sync; a failing close changes nothing
  }
}

/** Creates or replaces `path` with `bytes` and fsyncs it (not its directory). */
export async function writeFileDurably(
  fs: StoreFs,
  path: string,
  bytes: Uint8Array,
): Promise<void> {
  const file = await fs.open(path, OPEN.create);
  try {
    await writeAll(file, bytes, 0);
    await file.sync();
  } finally {
    await closeQuietly(file);
  }
}

/** Fsyncs a directory, making the creation, rename or removal of its entries durable. */
export async function syncDir(fs: StoreFs, path: string): Promise<void> {
  const dir = await fs.open(path, OPEN.directory);
  try {
    await dir.sync();
  } finally {
    await closeQuietly(dir);
  }
}

/** True for a "no such file or directory" error. */
export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
