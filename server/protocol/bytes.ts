import { malformed } from './errors.ts';

/**
 * Strict, zero-copy reader of lib0-style binary (P1): unsigned LEB128 varUints that must be
 * minimal and at most 2^53 − 1, length-prefixed byte arrays returned as subarrays of the
 * input, and UTF-8 strings decoded fatally. Every failure throws `ProtocolError` (4400)
 * naming `what` was being read.
 */
export class ByteReader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  varUint(what: string): number {
    const bytes = this.bytes;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARUINT_BYTES; i++) {
      if (this.pos >= bytes.length) throw malformed(`truncated varint in ${what}`);
      const byte = bytes[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (byte === 0 && i > 0) throw malformed(`non-minimal varint in ${what}`);
        if (value > Number.MAX_SAFE_INTEGER) throw malformed(`varint in ${what} exceeds 2^53-1`);
        return value;
      }
      scale *= 128;
    }
    throw malformed(`varint in ${what} exceeds 2^53-1`);
  }

  /** A varUint length then that many bytes, as a subarray of the input (no copy). */
  varBytes(what: string): Uint8Array {
    const length = this.varUint(`${what} length`);
    if (length > this.remaining) {
      throw malformed(
        `length prefix ${length} of ${what} exceeds the ${this.remaining} bytes left in the frame`,
      );
    }
    const start = this.pos;
    this.pos += length;
    return this.bytes.subarray(start, this.pos);
  }

  /** A varUint byte length then that many bytes of valid UTF-8. */
  varString(what: string): string {
    const bytes = this.varBytes(what);
    try {
      return UTF8_STRICT.decode(bytes);
    } catch {
      throw malformed(`${what} is not valid UTF-8`);
    }
  }

  /** Throws unless every byte has been read. */
  end(what: string): void {
    if (this.pos !== this.bytes.length) {
      throw malformed(`trailing bytes after ${what} (${this.remaining} extra)`);
    }
  }
}

/** ⌈53 / 7⌉: a varUint of a safe integer never needs more bytes. */
const MAX_VARUINT_BYTES = 8;

/** Stateless in non-streaming use; shared so the hot path allocates nothing per string. */
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes of the minimal varUint encoding of `n` (a safe non-negative integer). */
export function varUintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes the minimal varUint of `n` at `pos`; returns the position after it. */
export function writeVarUint(target: Uint8Array, pos: number, n: number): number {
  while (n >= 128) {
    target[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  target[pos++] = n;
  return pos;
}

/** Throws `RangeError` unless `n` is a safe non-negative integer (encoder misuse, not peer input). */
export function assertVarUint(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} must be a safe non-negative integer, got ${n}`);
  }
}

/** `[...prefix varUints, varUint(payload.length), ...payload]` in one exact allocation. */
export function frameWithBytes(prefix: readonly number[], payload: Uint8Array): Uint8Array {
  let size = varUintSize(payload.length) + payload.length;
  for (const n of prefix) size += varUintSize(n);
  const out = new Uint8Array(size);
  let pos = 0;
  for (const n of prefix) pos = writeVarUint(out, pos, n);
  pos = writeVarUint(out, pos, payload.length);
  out.set(payload, pos);
  return out;
}

/** The varUints `values` back to back, in one exact allocation. */
export function frameOfVarUints(values: readonly number[]): Uint8Array {
  let size = 0;
  for (const n of values) size += varUintSize(n);
  const out = new Uint8Array(size);
  let pos = 0;
  for (const n of values) pos = writeVarUint(out, pos, n);
  return out;
}
