import { join } from 'node:path';
import { closeQuietly, OPEN, type StoreFile, type StoreFs, syncDir, writeAll } from './store-fs.ts';

/** One journal segment file and what it holds. */
export interface JournalSegment {
  readonly seq: number;
  readonly path: string;
  /** Highest LSN written to it (-1 when none). */
  lastLsn: number;
  /** Documents with ops in it. */
  readonly docs: Set<string>;
}

export interface JournalWriterOptions {
  readonly fs: StoreFs;
  /** The journal directory (exists and is durable). */
  readonly dir: string;
  /** Bytes preallocated per segment; a segment is closed once the next frame does not fit. */
  readonly segmentBytes: number;
  /** Sequence number of the first segment this writer creates (above every existing one). */
  readonly firstSeq: number;
  /** Segments found on start (closed: never written again), oldest first. */
  readonly existing?: readonly JournalSegment[];
}

/**
 * Appends frames to the node's one open, preallocated journal segment (DESIGN N7): one
 * `O_DSYNC` write per frame (durable when it returns, as write + `fdatasync`, in one trip to
 * libuv's thread pool, off the main thread).
 * The next segment is preallocated (zeros written and fsynced, so a data sync never has to
 * persist a new file size) while the current one fills. A failed write or sync closes the
 * segment: nothing more is written after a frame whose fate is unknown.
 */
export interface JournalWriter {
  /**
   * Writes and syncs `frame` (ops `firstLsn..lastLsn` of `docs`). One call at a time. Resolves
   * with where the frame is: its segment file and byte position.
   */
  write(frame: Uint8Array, lastLsn: number, docs: Iterable<string>): Promise<FramePlace>;
  /** True once the open segment is half full (the next one is being prepared). */
  filling(): boolean;
  /** Segments no longer written to, oldest first. */
  closed(): readonly JournalSegment[];
  /** Closes the current segment (the next write opens a new one). */
  rotate(): Promise<void>;
  /** Removes a closed segment durably. */
  remove(segment: JournalSegment): Promise<void>;
  /** Releases the files; a prepared spare segment is removed. */
  close(): Promise<void>;
}

/** Where a written frame is. */
export interface FramePlace {
  readonly path: string;
  readonly position: number;
}

/** Segment file name for `seq` (sortable). */
export function segmentName(seq: number): string {
  return `${seq.toString(16).padStart(12, '0')}.wal`;
}

/** Sequence number of a segment file name, or `null` for other files. */
export function segmentSeq(name: string): number | null {
  const match = /^([0-9a-f]{12})\.wal$/.exec(name);
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 16);
}

interface OpenSegment {
  readonly segment: JournalSegment;
  /** The segment opened with `O_DSYNC`: a frame is durable once its write returned. */
  readonly file: StoreFile;
  position: number;
}

export function createJournalWriter(options: JournalWriterOptions): JournalWriter {
  const { fs, dir, segmentBytes } = options;
  const closedSegments: JournalSegment[] = [...(options.existing ?? [])];
  const zeros = new Uint8Array(Math.min(segmentBytes, 1024 * 1024));
  let nextSeq = options.firstSeq;
  let current: OpenSegment | null = null;
  let spare: Promise<OpenSegment> | null = null;

  const prepare = async (seq: number): Promise<OpenSegment> => {
    const path = join(dir, segmentName(seq));
    const fill = await fs.open(path, OPEN.create);
    let file: StoreFile;
    try {
      for (let at = 0; at < segmentBytes; at += zeros.length) {
        await writeAll(fill, zeros.subarray(0, Math.min(zeros.length, segmentBytes - at)), at);
      }
      await fill.sync();
      await syncDir(fs, dir);
      file = await fs.open(path, OPEN.durableWrites);
    } catch (error) {
      await fs.unlink(path).catch(() => {});
      throw error;
    } finally {
      await closeQuietly(fill);
    }
    return { segment: { seq, path, lastLsn: -1, docs: new Set() }, file, position: 0 };
  };

  const takeSpare = (): Promise<OpenSegment> => {
    const next = spare ?? prepare(nextSeq++);
    spare = null;
    return next;
  };

  const prepareSpare = (): void => {
    if (spare) return;
    const made = prepare(nextSeq++);
    made.catch(() => {
      if (spare === made) spare = null;
    });
    spare = made;
  };

  const retire = async (open: OpenSegment): Promise<void> => {
    if (current === open) current = null;
    if (open.segment.lastLsn >= 0 || open.position > 0) closedSegments.push(open.segment);
    else await fs.unlink(open.segment.path).catch(() => {});
    await closeQuietly(open.file);
  };

  return {
    async write(frame, lastLsn, docs) {
      if (current && current.position > 0 && current.position + frame.length > segmentBytes) {
        await retire(current);
      }
      current ??= await takeSpare();
      const open = current;
      if (open.position + frame.length > segmentBytes / 2) prepareSpare();
      try {
        // O_DSYNC: the write returns once the frame is durable (no separate fdatasync)
        const position = open.position;
        await writeAll(open.file, frame, position);
        open.position += frame.length;
        for (const docId of docs) open.segment.docs.add(docId);
        open.segment.lastLsn = Math.max(open.segment.lastLsn, lastLsn);
        return { path: open.segment.path, position };
      } catch (error) {
        for (const docId of docs) open.segment.docs.add(docId);
        open.position = Math.max(open.position, 1);
        await retire(open);
        throw error;
      }
    },
    filling: () => current !== null && current.position > segmentBytes / 2,
    closed: () => closedSegments,
    async rotate() {
      if (current) await retire(current);
    },
    async remove(segment) {
      await fs.unlink(segment.path);
      const at = closedSegments.indexOf(segment);
      if (at >= 0) closedSegments.splice(at, 1);
      await syncDir(fs, dir);
    },
    async close() {
      if (current) {
        const open = current;
        current = null;
        await closeQuietly(open.file);
        if (open.position === 0) await fs.unlink(open.segment.path).catch(() => {});
      }
      const pending = spare;
      spare = null;
      if (pending) {
        const made = await pending.catch(() => null);
        if (made) {
          await closeQuietly(made.file);
          await fs.unlink(made.segment.path).catch(() => {});
        }
      }
    },
  };
}
