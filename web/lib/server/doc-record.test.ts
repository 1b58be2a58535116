import { describe, expect, it } from 'vitest';
import { DEFAULT_TITLE, encodeDocRecord, normalizeTitle, parseDocRecord } from './doc-record.ts';

describe('document records', () => {
  it('[W3] a record round-trips through its stored JSON', () => {
    const record = {
      id: 'abc',
      title: 'Plan',
      created: 1,
      updated: 2,
      seeded: true,
      edited: 3,
      deletedAt: null,
    };
    expect(parseDocRecord('abc', encodeDocRecord(record))).toEqual(record);
    const deleted = { ...record, deletedAt: 9 };
    expect(parseDocRecord('abc', encodeDocRecord(deleted))).toEqual(deleted);
  });

  it('[W3] records written before edit times and deletion read as live, edited when renamed', () => {
    const old = JSON.stringify({ id: 'abc', title: 'x', created: 1, updated: 5, seeded: true });
    expect(parseDocRecord('abc', old)).toMatchObject({ edited: 5, deletedAt: null });
  });

  it('[W3] a record stored under another id or not JSON is refused', () => {
    const json = encodeDocRecord({
      id: 'abc',
      title: 'x',
      created: 1,
      updated: 1,
      seeded: false,
      edited: 1,
      deletedAt: null,
    });
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
