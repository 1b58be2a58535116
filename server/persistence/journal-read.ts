import { join } from 'node:path';
import { decodeSegment, type JournalOp, OP_APPEND } from './journal-format.ts';
import { type JournalSegment, segmentSeq } from './journal-writer.ts';
import { StoreCorruptError } from './store.ts';
import type { StoreFs } from './store-fs.ts';

/** Everything the journal's segments hold, in LSN order. */
export interface JournalContent {
  /** Segments found, oldest first (closed: a new store writes a new one). */
  readonly segments: JournalSegment[];
  /**
   * Every op with its LSN, oldest first, the segment file it is in, and where in that file each
   * of its updates is (append ops; the updates are views into the file as read, so a caller
   * that keeps only these places lets the file's bytes go).
   */
  readonly ops: JournalEntry[];
  /** Documents named by a damaged frame that valid frames follow (acknowledged data lost). */
  readonly corrupt: Map<string, StoreCorruptError>;
  /** Highest LSN found (-1: none). */
  readonly maxLsn: number;
  /** Highest segment sequence number found (-1: none). */
  readonly maxSeq: number;
}

/** One op read from the journal. */
export interface JournalEntry {
  readonly lsn: number;
  readonly op: JournalOp;
  readonly path: string;
  /** Byte position in `path` of each of the op's updates (empty for a delete). */
  readonly offsets: readonly number[];
}

/**
 * Reads and decodes every segment of the journal directory `dir` (named as shown, `label`
 * in errors). A torn tail is left out; a damaged frame whose documents cannot be told throws
 * `StoreCorruptError` (the files are not touched).
 */
export async function readJournal(
  fs: StoreFs,
  dir: string,
  label: string,
): Promise<JournalContent> {
  const names = (await fs.readdir(dir))
    .map((name) => ({ name, seq: segmentSeq(name) }))
    .filter((s): s is { name: string; seq: number } => s.seq !== null)
    .sort((a, b) => a.seq - b.seq);
  const segments: JournalSegment[] = [];
  const ops: JournalEntry[] = [];
  const corrupt = new Map<string, StoreCorruptError>();
  let maxLsn = -1;
  for (const { name, seq } of names) {
    const path = join(dir, name);
    const bytes = await fs.readFile(path);
    const decoded = decodeSegment(bytes);
    const segment: JournalSegment = { seq, path, lastLsn: -1, docs: new Set() };
    for (const damage of decoded.damaged) {
      const detail = `journal frame at byte ${damage.at} of ${label}/${name} is damaged and followed by a valid frame`;
      if (damage.docIds === null) throw new StoreCorruptError(`${label}/${name}`, detail);
      for (const id of damage.docIds) {
        corrupt.set(id, new StoreCorruptError(id, detail));
        segment.docs.add(id);
      }
    }
    for (const frame of decoded.frames) {
      frame.ops.forEach((op, i) => {
        const offsets =
          op.kind === OP_APPEND ? op.updates.map((u) => u.byteOffset - bytes.byteOffset) : [];
        ops.push({ lsn: frame.firstLsn + i, op, path, offsets });
        segment.docs.add(op.docId);
        segment.lastLsn = Math.max(segment.lastLsn, frame.firstLsn + i);
      });
    }
    maxLsn = Math.max(maxLsn, segment.lastLsn);
    segments.push(segment);
  }
  return { segments, ops, corrupt, maxLsn, maxSeq: names.at(-1)?.seq ?? -1 };
}
