import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routingKey } from '../../ring/core/routing-key.ts';
import { propertySeed } from '../../ring/testing/seed.ts';
import { DOC_ID_LIMITS, isValidDocId, parseDocId } from './doc-id.ts';
import { ProtocolError } from './errors.ts';

const SEED = propertySeed();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-';

function rejection(raw: string): ProtocolError {
  try {
    parseDocId(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
}

const segmentArb = fc
  .string({ unit: fc.constantFrom(...ALPHABET), minLength: 1, maxLength: 20 })
  .filter((s) => s !== '.' && s !== '..');

describe('parseDocId', () => {
  it('[P7] accepts ids of [A-Za-z0-9_.-] segments and splits them', () => {
    expect(parseDocId('notes')).toEqual({
      docId: 'notes',
      routingKey: 'notes',
      segments: ['notes'],
    });
    expect(parseDocId('team-1/notes.v2/comments_3')).toEqual({
      docId: 'team-1/notes.v2/comments_3',
      routingKey: 'team-1',
      segments: ['team-1', 'notes.v2', 'comments_3'],
    });
    expect(parseDocId('...').segments).toEqual(['...']);
    expect(parseDocId('.hidden/a').routingKey).toBe('.hidden');
  });

  it('[P7][R3] the routing key is the first segment, as the ring routes it', () => {
    fc.assert(
      fc.property(fc.array(segmentArb, { minLength: 1, maxLength: 5 }), (segments) => {
        const raw = segments.join('/');
        const parsed = parseDocId(raw);
        expect(parsed.segments).toEqual(segments);
        expect(parsed.routingKey).toBe(segments[0]);
        expect(parsed.routingKey).toBe(routingKey(raw));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('[P7] enforces 128 characters per segment and 256 in all', () => {
    const seg128 = 'a'.repeat(128);
    expect(isValidDocId(seg128)).toBe(true);
    expect(rejection('a'.repeat(129)).reason).toMatch(/segment 1 is longer than 128/);
    const total256 = `${seg128}/${'b'.repeat(127)}`;
    expect(total256.length).toBe(DOC_ID_LIMITS.maxLength);
    expect(isValidDocId(total256)).toBe(true);
    expect(rejection(`${total256}c`).reason).toMatch(/longer than 256 characters/);
  });

  const invalid: Array<[string, RegExp]> = [
    ['', /empty/],
    ['/a', /segment 1 is empty/],
    ['a/', /segment 2 is empty/],
    ['a//b', /segment 2 is empty/],
    ['.', /segment 1 is "\."/],
    ['..', /segment 1 is "\.\."/],
    ['a/../b', /segment 2 is "\.\."/],
    ['a/./b', /segment 2 is "\."/],
    ['a b', /character " " is not allowed/],
    ['a%2Fb', /character "%" is not allowed/],
    ['a?b', /character "\?" is not allowed/],
    ['a\\b', /character "\\\\" is not allowed/],
    ['café', /character "é" is not allowed/],
    ['doc😀', /character "😀" is not allowed/],
    ['a\u0000', /is not allowed/],
  ];
  for (const [raw, reason] of invalid) {
    it(`[P7] refuses ${JSON.stringify(raw)} with 4400 and a clear reason`, () => {
      const error = rejection(raw);
      expect(error.code).toBe(4400);
      expect(error.reason).toMatch(/^bad doc id: /);
      expect(error.reason).toMatch(reason);
      expect(isValidDocId(raw)).toBe(false);
    });
  }

  it('[P7] any id with a character outside the set is refused', () => {
    const outside = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 1 })
      .filter((c) => !ALPHABET.includes(c) && c !== '/');
    fc.assert(
      fc.property(segmentArb, outside, segmentArb, (a, bad, b) => {
        expect(isValidDocId(`${a}${bad}${b}`)).toBe(false);
        expect(() => parseDocId(`${a}${bad}${b}`)).toThrow(ProtocolError);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
