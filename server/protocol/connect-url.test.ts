import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../../ring/testing/seed.ts';
import {
  formatConnectPath,
  MAX_CONNECT_URL_LENGTH,
  parseConnectUrl,
  suspectsOf,
} from './connect-url.ts';
import { ProtocolError } from './errors.ts';

const SEED = propertySeed();

function rejection(url: string): ProtocolError {
  try {
    parseConnectUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseConnectUrl', () => {
  it('[P6][P8] a stock client sends no parameters and gets only the doc id', () => {
    expect(parseConnectUrl('/doc/notes')).toStrictEqual({ docId: 'notes', routingKey: 'notes' });
    expect(parseConnectUrl('/doc/notes?')).toStrictEqual({ docId: 'notes', routingKey: 'notes' });
  });

  it('[P6] reads build, proto, epoch and gen', () => {
    expect(
      parseConnectUrl('/doc/team/notes?build=1.4.0%2Bab12&proto=1&epoch=1234&gen=3f2a-9c'),
    ).toStrictEqual({
      docId: 'team/notes',
      routingKey: 'team',
      build: '1.4.0+ab12',
      proto: 1,
      epoch: 1234,
      generation: '3f2a-9c',
    });
  });

  it('[P6][F1] follow=0 asks to be forwarded; anything but 0 or 1 is refused', () => {
    expect(parseConnectUrl('/doc/a?proto=1&follow=0').followsRedirects).toBe(false);
    expect(parseConnectUrl('/doc/a?proto=1&follow=1').followsRedirects).toBe(true);
    expect(parseConnectUrl('/doc/a?proto=1').followsRedirects).toBeUndefined();
    expect(rejection('/doc/a?follow=yes').reason).toMatch(/follow must be 0 or 1/);
  });

  it('[P6][P11a] moves=1 says the client moves before it is closed; anything but 0 or 1 is refused', () => {
    expect(parseConnectUrl('/doc/a?proto=1&moves=1').movesBeforeClose).toBe(true);
    expect(parseConnectUrl('/doc/a?proto=1').movesBeforeClose).toBeUndefined();
    expect(
      parseConnectUrl(formatConnectPath({ docId: 'a', proto: 1, movesBeforeClose: true }))
        .movesBeforeClose,
    ).toBe(true);
    expect(rejection('/doc/a?moves=2').reason).toMatch(/moves must be 0 or 1/);
  });

  it('[P6][P30] suspect=<nodeId> names the node the client lost; a bad id is refused', () => {
    expect(parseConnectUrl('/doc/a?proto=1&suspect=n-1.x').suspect).toBe('n-1.x');
    expect(parseConnectUrl('/doc/a?proto=1').suspect).toBeUndefined();
    expect(parseConnectUrl(formatConnectPath({ docId: 'a', suspect: 'n2' })).suspect).toBe('n2');
    expect(rejection('/doc/a?suspect=a%20b').reason).toMatch(/suspect must be/);
    expect(rejection('/doc/a?suspect=').reason).toMatch(/suspect must be/);
  });

  it('[P34] suspect= names up to 3 lost nodes, comma-separated, read back in order', () => {
    const parsed = parseConnectUrl(formatConnectPath({ docId: 'a', suspect: 'n1,n2' }));
    expect(suspectsOf(parsed.suspect)).toEqual(['n1', 'n2']);
    expect(suspectsOf(parseConnectUrl('/doc/a?suspect=n1%2Cn2%2Cn3').suspect)).toEqual([
      'n1',
      'n2',
      'n3',
    ]);
    expect(suspectsOf(undefined)).toEqual([]);
    expect(rejection('/doc/a?suspect=n1,n2,n3,n4').reason).toMatch(/suspect must be/);
    expect(rejection('/doc/a?suspect=n1,,n2').reason).toMatch(/suspect must be/);
    expect(rejection('/doc/a?suspect=n1,').reason).toMatch(/suspect must be/);
  });

  it('[P6] a raw + in the build stays a +', () => {
    expect(parseConnectUrl('/doc/a?build=1.0+sha').build).toBe('1.0+sha');
  });

  it('[P6] ignores unknown parameters and empty pairs', () => {
    expect(parseConnectUrl('/doc/a?token=xyz&&proto=1&x')).toStrictEqual({
      docId: 'a',
      routingKey: 'a',
      proto: 1,
    });
  });

  it('[P6] accepts the largest safe integer', () => {
    expect(parseConnectUrl(`/doc/a?epoch=${Number.MAX_SAFE_INTEGER}`).epoch).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  const invalid: Array<[string, RegExp]> = [
    ['/docs/a', /path must be \/doc\/<docId>/],
    ['/doc', /path must be/],
    ['/doc/', /bad doc id: empty/],
    ['/doc/a/', /bad doc id: segment 2 is empty/],
    ['/doc/a%2Fb', /bad doc id: character "%"/],
    ['/doc/a?proto=-1', /proto must be a non-negative integer/],
    ['/doc/a?proto=1.5', /proto must be/],
    ['/doc/a?proto=1e3', /proto must be/],
    ['/doc/a?proto=', /proto must be/],
    ['/doc/a?proto', /proto must be/],
    ['/doc/a?epoch=9007199254740992', /epoch must be a non-negative integer below 2\^53/],
    ['/doc/a?epoch=0x10', /epoch must be/],
    ['/doc/a?epoch=%20', /epoch must be/],
    ['/doc/a?build=', /build must be 1-64/],
    [`/doc/a?build=${'1'.repeat(65)}`, /build must be 1-64/],
    ['/doc/a?build=1.0%20beta', /build must be/],
    ['/doc/a?build=%E0%A4%A', /build is not valid percent-encoding/],
    ['/doc/a?gen=a+b', /gen must be 1-64/],
    ['/doc/a?proto=1&proto=2', /proto appears more than once/],
    [`/doc/a?t=${'x'.repeat(MAX_CONNECT_URL_LENGTH)}`, /longer than 8192/],
  ];
  for (const [url, reason] of invalid) {
    it(`[P6] refuses ${url.slice(0, 60)} with 4400`, () => {
      const error = rejection(url);
      expect(error.code).toBe(4400);
      expect(error.reason).toMatch(reason);
    });
  }

  it('[P6] parseConnectUrl(formatConnectPath(p)) gives p back', () => {
    const segment = fc
      .string({ unit: fc.constantFrom(...'abcXYZ019_.-'), minLength: 1, maxLength: 12 })
      .filter((s) => s !== '.' && s !== '..');
    const params = fc.record(
      {
        docId: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')),
        build: fc.string({ unit: fc.constantFrom(...'aZ09._+-'), minLength: 1, maxLength: 64 }),
        proto: fc.maxSafeNat(),
        epoch: fc.maxSafeNat(),
        generation: fc.string({ unit: fc.constantFrom(...'aZ09._-'), minLength: 1, maxLength: 64 }),
        followsRedirects: fc.boolean(),
        suspect: fc.string({ unit: fc.constantFrom(...'aZ09._-'), minLength: 1, maxLength: 64 }),
      },
      { requiredKeys: ['docId'] },
    );
    fc.assert(
      fc.property(params, (p) => {
        const parsed = parseConnectUrl(formatConnectPath(p));
        expect(parsed).toStrictEqual({ ...p, routingKey: p.docId.split('/')[0] });
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('[P6] formatConnectPath refuses what parseConnectUrl would refuse', () => {
    expect(() => formatConnectPath({ docId: 'a/../b' })).toThrow(ProtocolError);
    expect(() => formatConnectPath({ docId: 'a', build: 'has space' })).toThrow(ProtocolError);
    expect(() => formatConnectPath({ docId: 'a', epoch: -1 })).toThrow(ProtocolError);
  });
});
