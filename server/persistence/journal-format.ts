import { crc32 } from 'node:zlib';
import type { ByteRange } from './store-fs.ts';

/**
 * On-disk format of the node-wide journal (DESIGN N7).
 *
 * A segment file is frames back to back, then zeros (segments are preallocated). One frame is
 * one commit window, written with one `O_DSYNC` `write` (durable as with an `fdatasync`):
 * `[u32 length][u32 crc32][payload]` (little-endian; the CRC covers the length field and the
 * payload, as in `record-log.ts`). A frame is all or nothing: a torn frame was never
 * acknowledged. The payload is `[u8 version = 1][f64 firstLsn][u32 opCount]` and the ops:
 *
 * - append `[u8 1][u16 idLength][id utf-8][u16 generationLength][generation utf-8][u32 count]`
 *   then `count` updates, each `[u32 length][bytes]` — one document's updates of the window;
 * - delete `[u8 2][u16 idLength][id utf-8]` — the document's earlier content is gone.
 *
 * Op `i` of a frame has the log sequence number `firstLsn + i`; LSNs only grow over the life
 * of a data directory (a per-document snapshot records the LSN it covers).
 */
export const FRAME_HEADER_BYTES = 8;
const VERSION = 1;
const PAYLOAD_HEADER_BYTES = 1 + 8 + 4;
export const OP_APPEND = 1;
export const OP_DELETE = 2;

export interface AppendOp {
  readonly kind: typeof OP_APPEND;
  readonly docId: string;
  readonly generation: string;
  readonly updates: Uint8Array[];
}

export interface DeleteOp {
  readonly kind: typeof OP_DELETE;
  readonly docId: string;
}

export type JournalOp = AppendOp | DeleteOp;

/** A decoded frame: its ops, the first op's LSN. Updates are views into the decoded bytes. */
export interface Frame {
  readonly firstLsn: number;
  readonly ops: JournalOp[];
}

/** A damaged frame followed by valid ones: acknowledged data was damaged. */
export interface DamagedFrame {
  readonly at: number;
  /** Documents it names (read past its checksum), or `null` when even that cannot be read. */
  readonly docIds: string[] | null;
}

/** A decoded segment. */
export interface DecodedSegment {
  readonly frames: Frame[];
  /** Bytes up to the end of the last valid frame; after them come zeros or a torn frame. */
  readonly validBytes: number;
  /** Damaged frames followed by valid ones; reading stops at one whose documents are unknown. */
  readonly damaged: DamagedFrame[];
}

/**
 * Encodes one window's ops as a frame; `ops` must be non-empty. One copy of every update.
 * `updateRanges`, when given, receives where in the frame every update is, in order.
 */
export function encodeFrame(
  firstLsn: number,
  ops: readonly JournalOp[],
  updateRanges?: ByteRange[],
): Buffer {
  let size = FRAME_HEADER_BYTES + PAYLOAD_HEADER_BYTES;
  for (const op of ops) {
    size += 1 + 2 + Buffer.byteLength(op.docId);
    if (op.kind === OP_APPEND) {
      size += 2 + Buffer.byteLength(op.generation) + 4;
      for (const update of op.updates) size += 4 + update.length;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = FRAME_HEADER_BYTES;
  out.writeUInt8(VERSION, at);
  out.writeDoubleLE(firstLsn, at + 1);
  out.writeUInt32LE(ops.length, at + 9);
  at += PAYLOAD_HEADER_BYTES;
  for (const op of ops) {
    out.writeUInt8(op.kind, at);
    at = writeString(out, op.docId, at + 1);
    if (op.kind === OP_APPEND) {
      at = writeString(out, op.generation, at);
      out.writeUInt32LE(op.updates.length, at);
      at += 4;
      for (const update of op.updates) {
        out.writeUInt32LE(update.length, at);
        out.set(update, at + 4);
        updateRanges?.push({ at: at + 4, length: update.length });
        at += 4 + update.length;
      }
    }
  }
  out.writeUInt32LE(size - FRAME_HEADER_BYTES, 0);
  out.writeUInt32LE(frameCrc(out, 0, size - FRAME_HEADER_BYTES), 4);
  return out;
}

/**
 * Decodes a segment. Reading stops at an all-zero header (the preallocated rest) or at a
 * damaged frame with nothing valid after it (a torn tail, never acknowledged). A damaged frame
 * followed by a valid one is reported in `damaged`: with the documents it names when its
 * length field and layout are intact (reading goes on after it), else with `null` (reading stops).
 */
export function decodeSegment(bytes: Uint8Array): DecodedSegment {
  const frames: Frame[] = [];
  const damaged: DamagedFrame[] = [];
  let offset = 0;
  let validBytes = 0;
  while (offset + FRAME_HEADER_BYTES <= bytes.length) {
    const end = frameEndAt(bytes, offset);
    const frame = end < 0 ? null : decodePayload(bytes.subarray(offset + FRAME_HEADER_BYTES, end));
    if (frame) {
      frames.push(frame);
      offset = end;
      validBytes = end;
      continue;
    }
    if (isZeroHeader(bytes, offset)) break;
    if (findValidFrame(bytes, offset + 1) < 0) break;
    const claimed = claimedEnd(bytes, offset);
    const named =
      claimed > 0 && (frameEndAt(bytes, claimed) >= 0 || isZeroHeader(bytes, claimed))
        ? decodePayload(bytes.subarray(offset + FRAME_HEADER_BYTES, claimed))
        : null;
    damaged.push({
      at: offset,
      docIds: named ? [...new Set(named.ops.map((op) => op.docId))] : null,
    });
    if (!named) break;
    offset = claimed;
  }
  return { frames, validBytes, damaged };
}

/** End of the frame at `offset` as its length field claims, or -1 when past the bytes. */
function claimedEnd(bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES);
  const end = offset + FRAME_HEADER_BYTES + view.getUint32(0, true);
  return end + FRAME_HEADER_BYTES <= bytes.length ? end : -1;
}

function writeString(out: Buffer, value: string, at: number): number {
  const written = out.write(value, at + 2, 'utf8');
  out.writeUInt16LE(written, at);
  return at + 2 + written;
}

function decodePayload(payload: Uint8Array): Frame | null {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  try {
    if (buf.readUInt8(0) !== VERSION) return null;
    const firstLsn = buf.readDoubleLE(1);
    const count = buf.readUInt32LE(9);
    const ops: JournalOp[] = [];
    let at = PAYLOAD_HEADER_BYTES;
    const readString = (): string => {
      const length = buf.readUInt16LE(at);
      if (at + 2 + length > buf.length) throw new RangeError('string past the frame');
      const value = buf.toString('utf8', at + 2, at + 2 + length);
      at += 2 + length;
      return value;
    };
    for (let i = 0; i < count; i++) {
      const kind = buf.readUInt8(at);
      at += 1;
      const docId = readString();
      if (kind === OP_DELETE) {
        ops.push({ kind, docId });
        continue;
      }
      if (kind !== OP_APPEND) return null;
      const generation = readString();
      const n = buf.readUInt32LE(at);
      at += 4;
      const updates: Uint8Array[] = [];
      for (let j = 0; j < n; j++) {
        const length = buf.readUInt32LE(at);
        if (at + 4 + length > buf.length) return null;
        updates.push(payload.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
      ops.push({ kind, docId, generation, updates });
    }
    return at === buf.length ? { firstLsn, ops } : null;
  } catch {
    return null;
  }
}

function isZeroHeader(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + FRAME_HEADER_BYTES; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** End of the valid frame at `offset`, or -1 when it is incomplete or damaged. */
function frameEndAt(bytes: Uint8Array, offset: number): number {
  if (bytes.length - offset < FRAME_HEADER_BYTES) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES);
  const length = view.getUint32(0, true);
  if (length < PAYLOAD_HEADER_BYTES || length > bytes.length - offset - FRAME_HEADER_BYTES) {
    return -1;
  }
  if (frameCrc(bytes, offset, length) !== view.getUint32(4, true)) return -1;
  return offset + FRAME_HEADER_BYTES + length;
}

function findValidFrame(bytes: Uint8Array, from: number): number {
  for (let offset = from; offset + FRAME_HEADER_BYTES <= bytes.length; offset++) {
    if (frameEndAt(bytes, offset) >= 0) return offset;
  }
  return -1;
}

function frameCrc(bytes: Uint8Array, offset: number, length: number): number {
  const lengthField = bytes.subarray(offset, offset + 4);
  const payload = bytes.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
  return crc32(payload, crc32(lengthField)) >>> 0;
}
