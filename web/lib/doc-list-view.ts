/** What the document list needs of a record. */
export interface ListedDoc {
  readonly id: string;
  readonly title: string;
  readonly created: number;
  readonly edited: number;
}

export type DocSort = 'edited' | 'title' | 'created';

/**
 * Pure: the documents whose title contains every word of `query` (case- and
 * accent-insensitive), in `sort` order: last edited first, newest first, or by title.
 */
export function viewDocs<T extends ListedDoc>(
  docs: readonly T[],
  query: string,
  sort: DocSort,
): T[] {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const words = fold(query).split(/\s+/).filter(Boolean);
  const found = docs.filter((d) => {
    const title = fold(d.title);
    return words.every((w) => title.includes(w));
  });
  const byTitle = (a: T, b: T) =>
    a.title.localeCompare(b.title, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id);
  return found.sort((a, b) => {
    if (sort === 'title') return byTitle(a, b);
    if (sort === 'created') return b.created - a.created || byTitle(a, b);
    return b.edited - a.edited || byTitle(a, b);
  });
}

/** Pure: "just now", "5 min ago", "3 h ago", "yesterday", or a date, for `at` seen at `now`. */
export function relativeTime(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 45) return 'just now';
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 7) return `${d} days ago`;
  return new Date(at).toLocaleDateString(undefined, { dateStyle: 'medium' });
}
