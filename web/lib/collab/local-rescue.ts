import { fromBase64, toBase64 } from 'lib0/buffer';
import * as Y from 'yjs';

/** The synchronous storage the rescue copy goes to (`window.localStorage` in a tab). */
export interface RescueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocalRescueOptions {
  readonly docId: string;
  readonly doc: Y.Doc;
  readonly storage: RescueStorage;
  /** Where `pagehide` fires (`window`). */
  readonly events: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** Resolves once every update emitted so far is committed to IndexedDB (`LocalStore.flush`). */
  readonly flush: () => Promise<void>;
  /** Origins of updates that are already stored (y-indexeddb applying its own content). */
  readonly storedOrigins?: ReadonlySet<unknown>;
  /** Delay before an edit's IndexedDB commit is confirmed (default 200 ms). */
  readonly confirmAfterMs?: number;
}

/** Keeps the edits IndexedDB may not have committed when the tab goes away (DESIGN W3). */
export interface LocalRescue {
  /** True while an edit may not be committed to IndexedDB yet. */
  readonly dirty: boolean;
  /** The generation the document's content belongs to (written with the rescue copy, M7). */
  setGeneration(generation: string | null): void;
  /**
   * Applies the rescue copy a previous page left for this document (unless it belongs to
   * another generation than `storedGeneration`), then deletes it once IndexedDB holds it.
   */
  restore(storedGeneration: string | null): Promise<boolean>;
  destroy(): void;
}

/** localStorage key of `docId`'s rescue copy. */
export function rescueKey(docId: string): string {
  return `ringdoc:unsaved:${docId}`;
}

/** Origin of a rescue copy applied to the document (so y-indexeddb stores it). */
export const RESCUE_ORIGIN = Symbol('ringdoc-local-rescue');

interface RescueRecord {
  readonly generation: string | null;
  readonly update: string;
}

/**
 * y-indexeddb starts one IndexedDB transaction per edit, and a page that unloads may abort the
 * transactions that have not committed yet: the last keystrokes before a reload or a closed tab
 * (offline, or not yet acknowledged) were lost now and then (`e2e/offline.spec.ts` caught the
 * last character of a line missing after a reload). While an edit is not confirmed committed,
 * `pagehide` writes the whole document to localStorage, synchronously; the next page for the
 * document applies it before connecting and deletes it once IndexedDB has it. Yjs updates are
 * idempotent, so a copy of what IndexedDB already holds changes nothing. localStorage is small
 * (≈ 5 MB per origin): a document too large for it relies on IndexedDB alone (the write fails
 * quietly).
 */
export function createLocalRescue(options: LocalRescueOptions): LocalRescue {
  const { doc, storage, events } = options;
  const key = rescueKey(options.docId);
  const storedOrigins = options.storedOrigins ?? new Set();
  const confirmAfterMs = options.confirmAfterMs ?? 200;
  let generation: string | null = null;
  let edits = 0;
  let confirmed = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const confirm = () => {
    timer = null;
    const upTo = edits;
    options.flush().then(
      () => {
        confirmed = Math.max(confirmed, upTo);
      },
      () => {},
    );
  };
  const onUpdate = (_update: Uint8Array, origin: unknown) => {
    if (storedOrigins.has(origin)) return;
    edits++;
    if (timer === null) timer = setTimeout(confirm, confirmAfterMs);
  };
  const onPageHide = () => {
    if (confirmed >= edits) return;
    const record: RescueRecord = { generation, update: toBase64(Y.encodeStateAsUpdate(doc)) };
    try {
      storage.setItem(key, JSON.stringify(record));
    } catch {
      /* quota or storage disabled: IndexedDB is all there is */
    }
  };
  doc.on('update', onUpdate);
  events.addEventListener('pagehide', onPageHide);

  return {
    get dirty() {
      return confirmed < edits;
    },
    setGeneration(next) {
      generation = next;
    },
    async restore(storedGeneration) {
      let raw: string | null;
      try {
        raw = storage.getItem(key);
      } catch {
        return false;
      }
      if (raw === null) return false;
      let applied = false;
      try {
        const record = JSON.parse(raw) as Partial<RescueRecord>;
        const sameGeneration =
          record.generation == null ||
          storedGeneration === null ||
          record.generation === storedGeneration;
        if (typeof record.update === 'string' && sameGeneration) {
          Y.applyUpdate(doc, fromBase64(record.update), RESCUE_ORIGIN);
          applied = true;
        }
      } catch {
        /* unreadable: nothing to rescue */
      }
      if (applied) await options.flush();
      try {
        storage.removeItem(key);
      } catch {
        /* storage disabled */
      }
      return applied;
    },
    destroy() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      doc.off('update', onUpdate);
      events.removeEventListener('pagehide', onPageHide);
    },
  };
}
