import * as idb from 'lib0/indexeddb';
import { IndexeddbPersistence } from 'y-indexeddb';
import type * as Y from 'yjs';

/**
 * The browser copy of one document (DESIGN W3): every Yjs update is written to IndexedDB as
 * it happens (y-indexeddb), so edits made offline or just before a reload survive and sync
 * when a node is reachable again. Also remembers the document generation (M7) next to the
 * content it belongs to.
 */
export interface LocalStore {
  /**
   * Resolves once the stored updates have been applied to the doc, or storage failed, or
   * 5 s passed (a blocked database must not keep the tab from connecting).
   */
  readonly ready: Promise<void>;
  /** False when IndexedDB is unavailable (private mode, blocked): the tab works online only. */
  readonly available: boolean;
  /** The generation the stored content belongs to, if known. */
  generation(): Promise<string | null>;
  setGeneration(generation: string): Promise<void>;
  /**
   * Resolves once every update the doc emitted before this call is committed to IndexedDB
   * (a read-only transaction starts only after earlier read-write ones on the store finish).
   */
  flush(): Promise<void>;
  /** Deletes this document's database (used when a generation mismatch forbids a merge). */
  clear(): Promise<void>;
  destroy(): Promise<void>;
}

/** Longest wait for IndexedDB before the tab goes on without its local copy. */
const READY_TIMEOUT_MS = 5000;

/** IndexedDB database name of `docId`. */
export function localDbName(docId: string): string {
  return `ringdoc:${docId}`;
}

const GENERATION_KEY = 'generation';

/** Binds `doc` to IndexedDB. Never throws: without IndexedDB every method resolves harmlessly. */
export function createLocalStore(docId: string, doc: Y.Doc): LocalStore {
  if (typeof indexedDB === 'undefined') return unavailableStore();
  const persistence = new IndexeddbPersistence(localDbName(docId), doc);
  let usable = true;
  const ready = Promise.race([
    persistence.whenSynced.then(() => undefined),
    persistence._db.then(
      () => new Promise<void>(() => {}),
      () => {
        usable = false;
      },
    ),
    new Promise<void>((resolve) => setTimeout(resolve, READY_TIMEOUT_MS)),
  ]);
  return {
    ready,
    get available() {
      return usable;
    },
    async generation() {
      if (!usable) return null;
      try {
        const value = await persistence.get(GENERATION_KEY);
        return typeof value === 'string' ? value : null;
      } catch {
        return null;
      }
    },
    async setGeneration(generation) {
      if (!usable) return;
      await persistence.set(GENERATION_KEY, generation).catch(() => {});
    },
    async flush() {
      if (!usable) return;
      try {
        const db = await persistence._db;
        const [updates] = idb.transact(db, ['updates'], 'readonly');
        if (updates) await idb.count(updates);
      } catch {
        /* storage is gone; nothing more can be made safe */
      }
    },
    async clear() {
      await persistence.clearData().catch(() => {});
      await idb.deleteDB(localDbName(docId)).catch(() => {});
    },
    async destroy() {
      await persistence.destroy().catch(() => {});
    },
  };
}

function unavailableStore(): LocalStore {
  return {
    ready: Promise.resolve(),
    available: false,
    generation: async () => null,
    setGeneration: async () => {},
    flush: async () => {},
    clear: async () => {},
    destroy: async () => {},
  };
}
