import { describe, expect, it } from 'vitest';
import {
  assertStorableDocId,
  docDirName,
  docIdFromDirName,
  InvalidDocIdError,
  isDocDirName,
} from './doc-id.ts';

describe('document ids on disk', () => {
  it('[C1] accepts [A-Za-z0-9_.-] segments joined by "/" up to 256 chars', () => {
    for (const id of ['a', 'A-z_0.9', 'team/doc/comments', '.x', 'x'.repeat(256)]) {
      expect(() => assertStorableDocId(id)).not.toThrow();
    }
  });

  it('[C1] refuses empty segments, "." and "..", other characters and long ids', () => {
    for (const id of [
      '',
      '/',
      'a/',
      '/a',
      'a//b',
      '.',
      '..',
      'a/./b',
      'a b',
      'a\\b',
      'é',
      'x'.repeat(257),
    ]) {
      expect(() => assertStorableDocId(id), id).toThrow(InvalidDocIdError);
    }
  });

  it('[N2] directory names are reversible, distinct and at most 255 bytes', () => {
    const ids = [
      'a',
      'a/b',
      'a%2Fb'.replace('%', 'x'),
      'ab',
      `${'a/'.repeat(127)}b`,
      'x'.repeat(256),
    ];
    const names = ids.map(docDirName);
    expect(new Set(names).size).toBe(ids.length);
    for (const [i, name] of names.entries()) {
      expect(name.length).toBeLessThanOrEqual(255);
      expect(name.includes('/')).toBe(false);
      expect(isDocDirName(name)).toBe(true);
      const back = docIdFromDirName(name);
      if (back !== null) expect(back).toBe(ids[i]);
    }
    expect(docIdFromDirName('team%2Fdoc')).toBe('team/doc');
    expect(docIdFromDirName(docDirName('x'.repeat(256)))).toBeNull();
    expect(isDocDirName('~trash-1')).toBe(false);
  });
});
