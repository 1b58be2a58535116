import type { ByteRange, StoreFs } from './store-fs.ts';

/**
 * Reads journal entries back from their segments (loads and compactions). A document's entries
 * are scattered over a segment, between every other document's: under load one compaction of
 * 500 entries was 500 separate reads, each a trip through libuv's pool, and retiring a segment
 * compacts every document in it (issue 14: after 60 s at 22,000 updates/s on 3 nodes the
 * compactions kept the core busy for seconds). A large batch instead reads the segment once,
 * from its start to the last entry asked for, and keeps those bytes for the reads that follow
 * (the next documents of the same retirement or burst); a small batch reads its entries alone,
 * so one document's load never reads a whole segment.
 *
 * The bytes kept are a prefix of the segment, which is append-only: every byte before a durable
 * entry was written before it and never changes. At most `maxSegments` prefixes are kept, and
 * all are dropped once no read came for `idleMs`: the memory is held only while reading.
 */
export interface SegmentReader {
  /** The bytes of each range of the segment at `path`, each in its own memory, in order. */
  read(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
  /** Drops what is kept of `path` (the segment was removed). */
  forget(path: string): void;
  /** Drops everything kept (the store closed). */
  clear(): void;
  /** Bytes kept now. */
  readonly keptBytes: number;
}

export interface SegmentReaderOptions {
  readonly fs: StoreFs;
  /** Segments whose prefix may be kept at once (default 2). */
  readonly maxSegments?: number;
  /** Ranges of one segment from which a batch reads the segment's prefix (default 32). */
  readonly bulkRanges?: number;
  /** Keeps nothing once no read came for this long (default 250 ms). */
  readonly idleMs?: number;
  /** Runs the idle timer; returns a cancel function. */
  readonly after: (ms: number, fn: () => void) => () => void;
}

interface Prefix {
  bytes: Uint8Array;
  /** Bytes of `bytes` read from the segment (from byte 0). */
  filled: number;
  /** The read extending it, if one is under way (reads of one prefix never overlap). */
  extending: Promise<void> | null;
}

export function createSegmentReader(options: SegmentReaderOptions): SegmentReader {
  const { fs } = options;
  const maxSegments = options.maxSegments ?? 2;
  const bulkRanges = options.bulkRanges ?? 32;
  const idleMs = options.idleMs ?? 250;
  const kept = new Map<string, Prefix>();
  let cancelIdle: (() => void) | null = null;

  const clear = () => {
    cancelIdle?.();
    cancelIdle = null;
    kept.clear();
  };

  const touch = (path: string, prefix: Prefix) => {
    // most recently used last; the oldest goes when too many are kept
    kept.delete(path);
    kept.set(path, prefix);
    while (kept.size > maxSegments) kept.delete(kept.keys().next().value as string);
    cancelIdle?.();
    cancelIdle = options.after(idleMs, () => {
      cancelIdle = null;
      kept.clear();
    });
  };

  /** Extends `prefix` to cover bytes `[0, end)` of `path`. */
  const extend = async (path: string, prefix: Prefix, end: number): Promise<void> => {
    while (prefix.filled < end) {
      if (prefix.extending) {
        await prefix.extending;
        continue;
      }
      const from = prefix.filled;
      prefix.extending = (async () => {
        const [chunk] = await fs.readRanges(path, [{ at: from, length: end - from }]);
        if (prefix.bytes.length < end) {
          // room for what a growing segment appends next: fewer, larger reads
          const grown = new Uint8Array(Math.max(end, Math.min(2 * prefix.bytes.length, 2 * end)));
          grown.set(prefix.bytes.subarray(0, prefix.filled));
          prefix.bytes = grown;
        }
        prefix.bytes.set(chunk as Uint8Array, from);
        prefix.filled = end;
      })();
      try {
        await prefix.extending;
      } finally {
        prefix.extending = null;
      }
    }
  };

  return {
    async read(path, ranges) {
      let prefix = kept.get(path);
      if (!prefix && ranges.length < bulkRanges) return fs.readRanges(path, ranges);
      const end = ranges.reduce((max, r) => Math.max(max, r.at + r.length), 0);
      if (!prefix) prefix = { bytes: new Uint8Array(0), filled: 0, extending: null };
      touch(path, prefix);
      await extend(path, prefix, end);
      const { bytes } = prefix;
      // copies: a kept update must not hold the segment's bytes alive
      return ranges.map((r) => bytes.slice(r.at, r.at + r.length));
    },
    forget(path) {
      kept.delete(path);
    },
    clear,
    get keptBytes() {
      let n = 0;
      for (const prefix of kept.values()) n += prefix.bytes.length;
      return n;
    },
  };
}
