const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Mixes one little-endian 4-byte block `k` into the running state `h` (murmur3 body step). */
function mixBlock(h: number, k: number): number {
  let k1 = Math.imul(k, C1);
  k1 = (k1 << 15) | (k1 >>> 17);
  k1 = Math.imul(k1, C2);
  let h1 = h ^ k1;
  h1 = (h1 << 13) | (h1 >>> 19);
  return (Math.imul(h1, 5) + 0xe6546b64) | 0;
}

/** Mixes the 1–3 trailing bytes `k` (already little-endian packed) and finalises. */
function finish(h: number, tail: number, tailBytes: number, byteLength: number): number {
  let h1 = h;
  if (tailBytes > 0) {
    let k1 = Math.imul(tail, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
  }
  h1 ^= byteLength;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}

/**
 * MurmurHash3 x86_32 of the UTF-8 encoding of `key.slice(0, end)`, as an unsigned 32-bit integer.
 *
 * Identical to running the reference algorithm over `new TextEncoder().encode(key.slice(0, end))`
 * (lone surrogates become U+FFFD, as TextEncoder does), but encodes on the fly: no allocation,
 * and ASCII runs are consumed four characters per block. Pure; never throws.
 *
 * @param key   the string to hash
 * @param seed  32-bit seed (default 0)
 * @param end   hash only the first `end` UTF-16 code units (default `key.length`); lets callers hash
 *              a prefix without slicing
 */
export function murmur3(key: string, seed = 0, end: number = key.length): number {
  const len = Math.min(end, key.length);
  let h = seed | 0;
  let i = 0;
  while (i + 4 <= len) {
    const c0 = key.charCodeAt(i);
    const c1 = key.charCodeAt(i + 1);
    const c2 = key.charCodeAt(i + 2);
    const c3 = key.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) break;
    h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
    i += 4;
  }
  // General path: stream UTF-8 bytes into a 4-byte accumulator.
  let byteLength = i;
  let acc = 0;
  let shift = 0;
  for (; i < len; i++) {
    let cp = key.charCodeAt(i);
    let bytes: number;
    let count: number;
    if (cp < 0x80) {
      bytes = cp;
      count = 1;
    } else if (cp < 0x800) {
      bytes = 0xc0 | (cp >> 6) | ((0x80 | (cp & 0x3f)) << 8);
      count = 2;
    } else {
      if (cp >= 0xd800 && cp <= 0xdfff) {
        const next = i + 1 < len ? key.charCodeAt(i + 1) : 0;
        if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          cp = 0xfffd;
        }
      }
      if (cp < 0x10000) {
        bytes =
          0xe0 | (cp >> 12) | ((0x80 | ((cp >> 6) & 0x3f)) << 8) | ((0x80 | (cp & 0x3f)) << 16);
        count = 3;
      } else {
        bytes =
          0xf0 |
          (cp >> 18) |
          ((0x80 | ((cp >> 12) & 0x3f)) << 8) |
          ((0x80 | ((cp >> 6) & 0x3f)) << 16) |
          ((0x80 | (cp & 0x3f)) << 24);
        count = 4;
      }
    }
    byteLength += count;
    for (let b = 0; b < count; b++) {
      acc |= ((bytes >>> (b * 8)) & 0xff) << shift;
      shift += 8;
      if (shift === 32) {
        h = mixBlock(h, acc);
        acc = 0;
        shift = 0;
      }
    }
  }
  return finish(h, acc, shift >>> 3, byteLength);
}

/**
 * Reference MurmurHash3 x86_32 over raw bytes (unsigned result). Used to cross-check `murmur3`
 * and for callers that already hold bytes. Pure; never throws.
 */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  const blocks = len & ~3;
  let h = seed | 0;
  for (let i = 0; i < blocks; i += 4) {
    h = mixBlock(
      h,
      bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24),
    );
  }
  let tail = 0;
  const rest = len & 3;
  for (let b = 0; b < rest; b++) tail |= bytes[blocks + b]! << (b * 8);
  return finish(h, tail, rest, len);
}
