import type * as Y from 'yjs';

/** The Y.Map of document-wide settings inside every ringdoc Y.Doc. */
export const META_MAP = 'meta';

/** The title as the document itself holds it: the text and when it was set (ms). */
export interface DocTitle {
  readonly title: string;
  readonly at: number;
}

/** The title stored in `doc`, or `null` for documents created before titles lived there. */
export function readDocTitle(doc: Y.Doc): DocTitle | null {
  const meta = doc.getMap(META_MAP);
  const title = meta.get('title');
  const at = meta.get('titleAt');
  return typeof title === 'string' ? { title, at: typeof at === 'number' ? at : 0 } : null;
}

/** Writes the title into `doc` (one transaction, so it replicates like any edit). */
export function writeDocTitle(doc: Y.Doc, title: string, at: number): void {
  doc.transact(() => {
    const meta = doc.getMap(META_MAP);
    meta.set('title', title);
    meta.set('titleAt', at);
  });
}

/**
 * The title to show once `doc` is loaded: the document's own, unless the index was renamed
 * later (from the document list, by an older tab) — then the index's title is written into
 * the document so every open tab follows it.
 */
export function reconcileDocTitle(doc: Y.Doc, indexTitle: string, indexUpdated: number): string {
  const own = readDocTitle(doc);
  if (own && own.at >= indexUpdated) return own.title;
  if (own?.title !== indexTitle) writeDocTitle(doc, indexTitle, indexUpdated);
  return indexTitle;
}

/** Calls `listener` with the new title whenever another tab (or this one) renames. */
export function observeDocTitle(doc: Y.Doc, listener: (title: string) => void): () => void {
  const meta = doc.getMap(META_MAP);
  const handler = (event: Y.YMapEvent<unknown>) => {
    if (!event.keysChanged.has('title')) return;
    const title = readDocTitle(doc)?.title;
    if (title !== undefined) listener(title);
  };
  meta.observe(handler);
  return () => meta.unobserve(handler);
}
