import { crc32 } from 'node:zlib';
import { StoreCorruptError } from './store.ts';

/**
 * On-disk formats of the file store (DESIGN N2).
 *
 * A record is `[u32 length][u32 crc32][bytes]`, little-endian; the CRC covers the four
 * length bytes and the payload, so a zero-filled region never reads as a valid record.
 * A log is records back to back. A snapshot is the magic `RDS1` followed by exactly one record.
 */
export const RECORD_HEADER_BYTES = 8;

const SNAPSHOT_MAGIC = Uint8Array.of(0x52, 0x44, 0x53, 0x31);

/** A decoded log: its records, and how many leading bytes hold them. */
export interface DecodedLog {
  /** Payloads in order (views into the decoded buffer). */
  readonly records: Uint8Array[];
  /** Bytes of valid records; anything after is a torn tail (never acknowledged). */
  readonly validBytes: number;
}

/** Encodes one payload as a record (a new buffer: the payload is copied). */
export function encodeRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  out.set(payload, RECORD_HEADER_BYTES);
  view.setUint32(4, recordCrc(out, 0, payload.length), true);
  return out;
}

/**
 * Decodes a log. A bad or incomplete record with no valid record anywhere after it is a
 * torn tail: it is left out and `validBytes` stops before it. A bad record followed by a
 * valid one means acknowledged data was damaged: throws `StoreCorruptError`.
 */
export function decodeLog(bytes: Uint8Array, docId: string): DecodedLog {
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = recordEndAt(bytes, offset);
    if (end < 0) {
      const next = findValidRecord(bytes, offset + 1);
      if (next >= 0) {
        throw new StoreCorruptError(
          docId,
          `log record at byte ${offset} is damaged and followed by a valid record at byte ${next}`,
        );
      }
      return { records, validBytes: offset };
    }
    records.push(bytes.subarray(offset + RECORD_HEADER_BYTES, end));
    offset = end;
  }
  return { records, validBytes: offset };
}

/** Encodes a snapshot file (magic + one record). */
export function encodeSnapshot(update: Uint8Array): Uint8Array {
  const record = encodeRecord(update);
  const out = new Uint8Array(SNAPSHOT_MAGIC.length + record.length);
  out.set(SNAPSHOT_MAGIC, 0);
  out.set(record, SNAPSHOT_MAGIC.length);
  return out;
}

/** Decodes a snapshot file; any damage (snapshots are written atomically) is `StoreCorruptError`. */
export function decodeSnapshot(bytes: Uint8Array, docId: string): Uint8Array {
  const magic = SNAPSHOT_MAGIC.length;
  if (
    bytes.length < magic + RECORD_HEADER_BYTES ||
    !SNAPSHOT_MAGIC.every((b, i) => bytes[i] === b)
  ) {
    throw new StoreCorruptError(docId, 'snapshot header is damaged');
  }
  const end = recordEndAt(bytes, magic);
  if (end !== bytes.length) {
    throw new StoreCorruptError(docId, 'snapshot checksum or length does not match');
  }
  return bytes.subarray(magic + RECORD_HEADER_BYTES, end);
}

/** End offset of the valid record starting at `offset`, or -1 when it is incomplete or damaged. */
function recordEndAt(bytes: Uint8Array, offset: number): number {
  if (bytes.length - offset < RECORD_HEADER_BYTES) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, RECORD_HEADER_BYTES);
  const length = view.getUint32(0, true);
  if (length > bytes.length - offset - RECORD_HEADER_BYTES) return -1;
  const stored = view.getUint32(4, true);
  if (recordCrc(bytes, offset, length) !== stored) return -1;
  return offset + RECORD_HEADER_BYTES + length;
}

function findValidRecord(bytes: Uint8Array, from: number): number {
  for (let offset = from; offset + RECORD_HEADER_BYTES <= bytes.length; offset++) {
    if (recordEndAt(bytes, offset) >= 0) return offset;
  }
  return -1;
}

function recordCrc(bytes: Uint8Array, offset: number, length: number): number {
  const lengthField = bytes.subarray(offset, offset + 4);
  const payload = bytes.subarray(
    offset + RECORD_HEADER_BYTES,
    offset + RECORD_HEADER_BYTES + length,
  );
  return crc32(payload, crc32(lengthField)) >>> 0;
}
