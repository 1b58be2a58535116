import type { ByteRange, StoreFs } from './store-fs.ts';

/**
 * Reads journal entries back from their segments (loads and compactions). A document's entries
 * are scattered over a segment, between every other document's, so reading them is one read
 * per entry — unless the segment is pinned: retiring a closed segment compacts every document
 * with entries in it, one after the other, and reading the segment once for all of them beats
 * one read per entry of each (issue 14: a burst left thousands of compactions behind it).
 *
 * Only a pinned segment is kept in memory, whole, and only until it is unpinned: never a
 * segment a single load or compaction happens to touch (documents compacted one by one read
 * entries spread over every segment written since their last compaction: keeping those would
 * either hold them all or read each one again for every document).
 */
export interface SegmentReader {
  /**
   * The bytes of each range of the segment at `path`, in order; from a segment that is not
   * pinned through `readUnpinned` (default the store's `fs.readRanges`), as it returns them,
   * and from a pinned one each in its own memory.
   */
  read(
    path: string,
    ranges: readonly ByteRange[],
    readUnpinned?: (path: string, ranges: readonly ByteRange[]) => Promise<Uint8Array[]>,
  ): Promise<Uint8Array[]>;
  /** Reads the closed segment at `path` whole and serves its reads from memory until `unpin`. */
  pin(path: string): Promise<void>;
  /** Drops the pinned bytes of `path`. */
  unpin(path: string): void;
  /** Bytes held now. */
  readonly pinnedBytes: number;
}

export function createSegmentReader(fs: StoreFs): SegmentReader {
  const pinned = new Map<string, Uint8Array>();
  return {
    async read(path, ranges, readUnpinned) {
      const bytes = pinned.get(path);
      if (!bytes) return readUnpinned ? readUnpinned(path, ranges) : fs.readRanges(path, ranges);
      return ranges.map((r) => {
        if (r.at + r.length > bytes.length) {
          throw new Error(`${path}: bytes ${r.at}–${r.at + r.length} are past its end`);
        }
        // a copy: a kept update must not hold the whole segment alive
        return bytes.slice(r.at, r.at + r.length);
      });
    },
    async pin(path) {
      if (pinned.has(path)) return;
      const file = await fs.readFile(path);
      // a plain Uint8Array view: its `slice` copies (a Buffer's would not)
      pinned.set(path, new Uint8Array(file.buffer, file.byteOffset, file.length));
    },
    unpin(path) {
      pinned.delete(path);
    },
    get pinnedBytes() {
      let n = 0;
      for (const bytes of pinned.values()) n += bytes.length;
      return n;
    },
  };
}
