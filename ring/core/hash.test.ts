import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../testing/seed.ts';
import { murmur3, murmur3Bytes } from './hash.ts';

/** Replay a failing property with FC_SEED=<seed> (fast-check prints seed and path on failure). */
const fcSeed = { seed: propertySeed() };

const utf8 = new TextEncoder();

// Published MurmurHash3 x86_32 vectors (SMHasher reference / Wikipedia test table).
const byteVectors: Array<[number[], number, number]> = [
  [[], 0, 0],
  [[], 1, 0x514e28b7],
  [[], 0xffffffff, 0x81f16f39],
  [[0xff, 0xff, 0xff, 0xff], 0, 0x76293b50],
  [[0x21, 0x43, 0x65, 0x87], 0, 0xf55b516b],
  [[0x21, 0x43, 0x65, 0x87], 0x5082edee, 0x2362f9de],
  [[0x21, 0x43, 0x65], 0, 0x7e4a8634],
  [[0x21, 0x43], 0, 0xa0f7b07a],
  [[0x21], 0, 0x72661cf4],
  [[0, 0, 0, 0], 0, 0x2362f9de],
  [[0, 0, 0], 0, 0x85f0b427],
  [[0, 0], 0, 0x30f4c306],
  [[0], 0, 0x514e28b7],
];

const stringVectors: Array<[string, number, number]> = [
  ['', 0, 0],
  ['a', 0x9747b28c, 0x7fa09ea6],
  ['aa', 0x9747b28c, 0x5d211726],
  ['aaa', 0x9747b28c, 0x283e0130],
  ['aaaa', 0x9747b28c, 0x5a97808a],
  ['ab', 0x9747b28c, 0x74875592],
  ['abc', 0x9747b28c, 0xc84a62dd],
  ['abcd', 0x9747b28c, 0xf0478627],
  ['abc', 0, 0xb3dd93fa],
  ['Hello, world!', 0x9747b28c, 0x24884cba],
  ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', 0, 0xee925b90],
  ['a'.repeat(256), 0x9747b28c, 0x37405bdc],
  ['ππππππππ', 0x9747b28c, 0xd58063c1],
];

/** Strings of arbitrary UTF-16 code units, including lone surrogates. */
const anyUtf16 = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

/** Well-formed strings mixing ASCII, 2-/3-byte and astral (4-byte, surrogate pair) code points. */
const wellFormed = fc.string({
  unit: fc
    .oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xd7ff }),
      fc.integer({ min: 0xe000, max: 0xffff }),
      fc.integer({ min: 0x10000, max: 0x10ffff }),
    )
    .map((cp) => String.fromCodePoint(cp)),
  maxLength: 40,
});

describe('murmur3 (x86_32)', () => {
  it.each(byteVectors)(
    'reference bytes %j seed %i hash to the published value',
    (bytes, seed, want) => {
      expect(murmur3Bytes(Uint8Array.from(bytes), seed)).toBe(want);
    },
  );

  it.each(stringVectors)('string %j seed %i hashes to the published value', (text, seed, want) => {
    expect(murmur3(text, seed)).toBe(want);
  });

  it('[R2] equals the reference over the UTF-8 bytes of any string (surrogates as TextEncoder)', () => {
    fc.assert(
      fc.property(anyUtf16, wellFormed, fc.integer(), (a, b, seed) => {
        expect(murmur3(a, seed)).toBe(murmur3Bytes(utf8.encode(a), seed));
        expect(murmur3(b, seed)).toBe(murmur3Bytes(utf8.encode(b), seed));
      }),
      { ...fcSeed, numRuns: 200 },
    );
  });

  it('hashing a prefix via `end` equals hashing the sliced prefix', () => {
    fc.assert(
      fc.property(anyUtf16, fc.nat(50), (text, end) => {
        expect(murmur3(text, 0, end)).toBe(murmur3(text.slice(0, end)));
      }),
      { ...fcSeed, numRuns: 300 },
    );
  });

  it('returns an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(anyUtf16, (text) => {
        const h = murmur3(text);
        expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
      }),
      { ...fcSeed, numRuns: 200 },
    );
  });
});
