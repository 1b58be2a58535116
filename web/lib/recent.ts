/** A document this browser opened recently (DESIGN W3), kept in localStorage. */
export interface RecentDoc {
  readonly id: string;
  readonly title: string;
  readonly openedAt: number;
}

const KEY = 'ringdoc:recent';
/** How many recent documents are remembered. */
export const MAX_RECENT = 8;

/** Pure: `list` with `doc` moved to the front, without duplicates, at most {@link MAX_RECENT}. */
export function withRecent(list: readonly RecentDoc[], doc: RecentDoc): RecentDoc[] {
  return [doc, ...list.filter((d) => d.id !== doc.id)].slice(0, MAX_RECENT);
}

/** The stored list (empty when missing or unreadable). */
export function loadRecent(storage: Storage | undefined): RecentDoc[] {
  try {
    const raw: unknown = JSON.parse(storage?.getItem(KEY) ?? '[]');
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((d: unknown) => {
      if (typeof d !== 'object' || d === null) return [];
      const r = d as Record<string, unknown>;
      return typeof r.id === 'string' &&
        typeof r.title === 'string' &&
        typeof r.openedAt === 'number'
        ? [{ id: r.id, title: r.title, openedAt: r.openedAt }]
        : [];
    });
  } catch {
    return [];
  }
}

/** Records that `doc` was opened now. */
export function rememberRecent(storage: Storage | undefined, doc: RecentDoc): void {
  try {
    storage?.setItem(KEY, JSON.stringify(withRecent(loadRecent(storage), doc)));
  } catch {
    /* best effort */
  }
}
