/**
 * A reload the page makes by itself — the version gate, a rolled-back web build, a document
 * re-created elsewhere — after it kept its edits on this device (IndexedDB, flushed first).
 * The "Leave site? Changes you made may not be saved" question would be wrong then and would
 * stop the reload until answered, so the unsaved-edits warning stands aside for it.
 */
const ATTRIBUTE = 'ringdocSelfReload';

/** Marks the page as reloading by itself and reloads it. */
export function reloadKeepingLocalCopy(win: Window = window): void {
  win.document.documentElement.dataset[ATTRIBUTE] = 'true';
  win.location.reload();
}

/** True once the page started a reload of its own (its edits are kept on this device). */
export function isSelfReloading(doc: Document = document): boolean {
  return doc.documentElement.dataset[ATTRIBUTE] === 'true';
}
