import { describe, expect, it } from 'vitest';
import { DEFAULT_TITLE, encodeDocRecord, normalizeTitle, parseDocRecord } from './doc-record.ts';

describe('document records', () => {
  it('[W3] a record round-trips through its stored JSON', () => {
    const record = { id: 'abc', title: 'Plan', created: 1, updated: 2, seeded: true };
    expect(parseDocRecord('abc', encodeDocRecord(record))).toEqual(record);
  });

  it('[W3] a record stored under another id or not JSON is refused', () => {
    const json = encodeDocRecord({ id: 'abc', title: 'x', created: 1, updated: 1, seeded: false });
    expect(parseDocRecord('other', json)).toBeNull();
    expect(parseDocRecord('abc', '{')).toBeNull();
    expect(parseDocRecord('abc', '42')).toBeNull();
  });

  it('[W3] titles are trimmed, bounded and never empty', () => {
    expect(normalizeTitle('  a \n b  ')).toBe('a b');
    expect(normalizeTitle('')).toBe(DEFAULT_TITLE);
    expect(normalizeTitle(7)).toBe(DEFAULT_TITLE);
    expect(normalizeTitle('x'.repeat(500))).toHaveLength(200);
  });
});
