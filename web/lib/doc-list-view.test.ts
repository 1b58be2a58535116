import { describe, expect, it } from 'vitest';
import { relativeTime, viewDocs } from './doc-list-view.ts';

const docs = [
  { id: 'a', title: 'Quarterly plan', created: 1, edited: 30 },
  { id: 'b', title: 'Offsite agenda', created: 3, edited: 10 },
  { id: 'c', title: 'Résumé draft', created: 2, edited: 20 },
];

describe('document list view', () => {
  it('sorts by last edit, creation or title', () => {
    expect(viewDocs(docs, '', 'edited').map((d) => d.id)).toEqual(['a', 'c', 'b']);
    expect(viewDocs(docs, '', 'created').map((d) => d.id)).toEqual(['b', 'c', 'a']);
    expect(viewDocs(docs, '', 'title').map((d) => d.id)).toEqual(['b', 'a', 'c']);
  });

  it('finds titles holding every word, ignoring case and accents', () => {
    expect(viewDocs(docs, 'resume', 'edited').map((d) => d.id)).toEqual(['c']);
    expect(viewDocs(docs, 'PLAN quart', 'edited').map((d) => d.id)).toEqual(['a']);
    expect(viewDocs(docs, 'nothing', 'edited')).toEqual([]);
  });

  it('says how long ago in words', () => {
    const now = 1_000_000_000;
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(relativeTime(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(relativeTime(now - 24 * 3_600_000, now)).toBe('yesterday');
  });
});
