import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMemberRecord, MemberRecordError, parseMemberRecord } from './member-codec.ts';
import type { MemberRecord } from './member-record.ts';

const base: MemberRecord = {
  id: 'n1',
  publicUrl: 'ws://127.0.0.1:4001',
  internalUrl: 'ws://127.0.0.1:4001/internal',
  build: '2026.11.1',
  protocol: { min: 1, max: 2 },
  state: 'active',
  startedAt: 1_700_000_000_000,
};
const KEY = '/ringdoc/members/n1';
const json = (patch: Record<string, unknown>) => JSON.stringify({ ...base, ...patch });

describe('member record codec', () => {
  it('parses what it encodes (property)', () => {
    const record = fc.record({
      id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
      publicUrl: fc.constantFrom('ws://127.0.0.1:4001', 'wss://a.example.com/x', 'http://[::1]:80'),
      internalUrl: fc.constantFrom('ws://10.0.0.1:5000', 'https://b.example'),
      build: fc.string({ minLength: 1, maxLength: 40 }),
      protocol: fc
        .tuple(fc.integer({ min: 0, max: 65_535 }), fc.integer({ min: 0, max: 65_535 }))
        .map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
      state: fc.constantFrom('joining' as const, 'active' as const, 'draining' as const),
      startedAt: fc.nat(),
    });
    fc.assert(
      fc.property(record, (r) => {
        expect(parseMemberRecord(`/p/members/${r.id}`, Buffer.from(encodeMemberRecord(r)))).toEqual(
          r,
        );
      }),
      { seed: 20261122, numRuns: 200 },
    );
  });

  it('ignores unknown extra fields', () => {
    expect(parseMemberRecord(KEY, json({ zone: 'eu' }))).toEqual(base);
  });

  it.each([
    ['not JSON', '{nope', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['an id that does not match the key', json({ id: 'n2' }), /does not match key id n1/],
    ['a relative URL', json({ publicUrl: '/doc' }), /publicUrl .* not an absolute URL/],
    ['a non-ws/http scheme', json({ internalUrl: 'ftp://x' }), /internalUrl scheme ftp:/],
    ['an unknown state', json({ state: 'sleeping' }), /state "sleeping"/],
    ['min above max', json({ protocol: { min: 3, max: 2 } }), /protocol range/],
    ['a fractional protocol', json({ protocol: { min: 1.5, max: 2 } }), /protocol range/],
    ['a protocol above 65535', json({ protocol: { min: 1, max: 70_000 } }), /protocol range/],
    ['a missing protocol', json({ protocol: null }), /protocol must be/],
    ['an empty build', json({ build: '' }), /build/],
    ['a negative startedAt', json({ startedAt: -1 }), /startedAt/],
  ])('refuses %s with a MemberRecordError naming the key', (_what, value, reason) => {
    const result = parseMemberRecord(KEY, value);
    expect(result).toBeInstanceOf(MemberRecordError);
    expect((result as MemberRecordError).key).toBe(KEY);
    expect((result as Error).message).toMatch(reason);
  });

  it('refuses a key that does not end with a valid member id', () => {
    expect(parseMemberRecord('/ringdoc/members/', json({}))).toBeInstanceOf(MemberRecordError);
  });

  it('encode throws on a record that would not parse', () => {
    expect(() => encodeMemberRecord({ ...base, publicUrl: 'nope' })).toThrow(MemberRecordError);
  });
});
