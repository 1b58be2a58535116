/** One entry of the document index, stored as JSON at `<prefix>docs/<docId>` (DESIGN §1, W3). */
export interface DocRecord {
  readonly id: string;
  readonly title: string;
  /** ms since epoch. */
  readonly created: number;
  /** ms since epoch of the last rename (content edits live on the nodes, not here). */
  readonly updated: number;
  /** True once the initial content has been written to the document's owner (W4). */
  readonly seeded: boolean;
  /** ms since epoch of the last content edit an editor tab reported (at most once a minute). */
  readonly edited: number;
  /** ms since epoch when it was deleted (moved out of the list), `null` while it is live. */
  readonly deletedAt: number | null;
}

/** Longest title kept; longer ones are cut. */
export const MAX_TITLE_LENGTH = 200;
/** Title of a document created without one (also the seeded heading). */
export const DEFAULT_TITLE = 'Untitled document';

/** Trims and bounds a user-supplied title; empty or non-string gives {@link DEFAULT_TITLE}. */
export function normalizeTitle(title: unknown): string {
  if (typeof title !== 'string') return DEFAULT_TITLE;
  const clean = title.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_LENGTH);
  return clean.length > 0 ? clean : DEFAULT_TITLE;
}

/** Parses a stored record; `null` when the value is not a record for `id`. Never throws. */
export function parseDocRecord(id: string, value: string): DocRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (r.id !== id) return null;
  const created = typeof r.created === 'number' ? r.created : 0;
  return {
    id,
    title: normalizeTitle(r.title),
    created,
    updated: typeof r.updated === 'number' ? r.updated : created,
    seeded: r.seeded === true,
    edited:
      typeof r.edited === 'number' ? r.edited : typeof r.updated === 'number' ? r.updated : created,
    deletedAt: typeof r.deletedAt === 'number' ? r.deletedAt : null,
  };
}

/** The JSON stored for `record`. */
export function encodeDocRecord(record: DocRecord): string {
  return JSON.stringify({
    id: record.id,
    title: record.title,
    created: record.created,
    updated: record.updated,
    seeded: record.seeded,
    edited: record.edited,
    ...(record.deletedAt === null ? {} : { deletedAt: record.deletedAt }),
  });
}
