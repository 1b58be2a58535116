import { describe, expect, it } from 'vitest';
import { countWords } from './word-count.ts';

describe('countWords', () => {
  it('counts words, not punctuation or spacing', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('  Hello,   world!  ')).toBe(2);
    expect(countWords("don't stop — it's 2026")).toBe(4);
    expect(countWords('line one\nline two\n\n- item')).toBe(5);
    expect(countWords('Ça va très bien')).toBe(4);
  });
});
