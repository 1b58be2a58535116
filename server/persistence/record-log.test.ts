import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeLog,
  decodeSnapshot,
  encodeRecord,
  encodeSnapshot,
  RECORD_HEADER_BYTES,
} from './record-log.ts';
import { StoreCorruptError } from './store.ts';

const concat = (parts: readonly Uint8Array[]): Uint8Array => Buffer.concat(parts);
const asArrays = (records: readonly Uint8Array[]) => records.map((r) => [...r]);
const payloads = fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 });

/** A small fixed log: payloads of different lengths, including an empty one. */
const sample = [
  Uint8Array.of(1, 2, 3),
  new Uint8Array(0),
  Uint8Array.of(9),
  new Uint8Array(20).fill(7),
];

describe('record log format', () => {
  it('[N2] decoding encoded records gives them back, in order', () => {
    fc.assert(
      fc.property(payloads, (records) => {
        const bytes = concat(records.map(encodeRecord));
        const decoded = decodeLog(bytes, 'd');
        expect(asArrays(decoded.records)).toEqual(asArrays(records));
        expect(decoded.validBytes).toBe(bytes.length);
      }),
      { numRuns: 200 },
    );
  });

  it('[N2] a log cut anywhere loads the records wholly before the cut (torn tail)', () => {
    fc.assert(
      fc.property(payloads, fc.nat(), (records, rawCut) => {
        const encoded = records.map(encodeRecord);
        const bytes = concat(encoded);
        const cut = bytes.length === 0 ? 0 : rawCut % (bytes.length + 1);
        const whole: Uint8Array[] = [];
        let end = 0;
        for (const [i, record] of encoded.entries()) {
          if (end + record.length > cut) break;
          end += record.length;
          whole.push(records[i]!);
        }
        const decoded = decodeLog(bytes.subarray(0, cut), 'd');
        expect(asArrays(decoded.records)).toEqual(asArrays(whole));
        expect(decoded.validBytes).toBe(end);
      }),
      { numRuns: 300 },
    );
  });

  it('[N2] a damaged byte in any record but the last is StoreCorruptError', () => {
    const encoded = sample.map(encodeRecord);
    const bytes = concat(encoded);
    const lastStart = bytes.length - encoded.at(-1)!.length;
    for (let at = 0; at < lastStart; at++) {
      const damaged = bytes.slice();
      damaged[at] = (damaged[at] ?? 0) ^ 0x5a;
      expect(() => decodeLog(damaged, 'doc-x'), `byte ${at}`).toThrow(StoreCorruptError);
    }
  });

  it('[N2] a damaged last record is a torn tail', () => {
    const encoded = sample.map(encodeRecord);
    const bytes = concat(encoded);
    const lastStart = bytes.length - encoded.at(-1)!.length;
    for (let at = lastStart; at < bytes.length; at++) {
      const damaged = bytes.slice();
      damaged[at] = (damaged[at] ?? 0) ^ 0x5a;
      const decoded = decodeLog(damaged, 'd');
      expect(asArrays(decoded.records), `byte ${at}`).toEqual(asArrays(sample.slice(0, -1)));
      expect(decoded.validBytes).toBe(lastStart);
    }
  });

  it('[N2] zero-filled or garbage bytes after the records are a torn tail', () => {
    const bytes = concat(sample.map(encodeRecord));
    for (const tail of [
      new Uint8Array(4096),
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5),
    ]) {
      const decoded = decodeLog(concat([bytes, tail]), 'd');
      expect(decoded.records).toHaveLength(sample.length);
      expect(decoded.validBytes).toBe(bytes.length);
    }
  });

  it('[N2] the checksum covers the length: an all-zero header is not a record', () => {
    expect(decodeLog(new Uint8Array(RECORD_HEADER_BYTES), 'd').records).toEqual([]);
  });

  it('[N2] a snapshot decodes to its update; any damage or cut is StoreCorruptError', () => {
    const update = Uint8Array.from({ length: 40 }, (_, i) => i * 3);
    const bytes = encodeSnapshot(update);
    expect([...decodeSnapshot(bytes, 'd')]).toEqual([...update]);
    for (let at = 0; at < bytes.length; at++) {
      const damaged = bytes.slice();
      damaged[at] = (damaged[at] ?? 0) ^ 0x01;
      expect(() => decodeSnapshot(damaged, 'd'), `byte ${at}`).toThrow(StoreCorruptError);
      expect(() => decodeSnapshot(bytes.subarray(0, at), 'd'), `cut ${at}`).toThrow(
        StoreCorruptError,
      );
    }
    expect(() => decodeSnapshot(concat([bytes, Uint8Array.of(0)]), 'd')).toThrow(StoreCorruptError);
  });
});
