import * as idb from 'lib0/indexeddb';
import { IndexeddbPersistence } from 'y-indexeddb';
import type * as Y from 'yjs';
import {
  createLocalRescue,
  type LocalRescue,
  type RescueStorage,
  rescueKey,
} from './local-rescue.ts';

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

/** The tab's localStorage, or `null` where it is unavailable (blocked, not a browser). */
function browserStorage(): RescueStorage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    return null;
  }
}

/**
 * Binds `doc` to IndexedDB, with a localStorage rescue copy of the edits not yet committed when
 * the page goes away (`local-rescue.ts`). Never throws: without IndexedDB every method resolves
 * harmlessly.
 */
export function createLocalStore(docId: string, doc: Y.Doc): LocalStore {
  if (typeof indexedDB === 'undefined') return unavailableStore();
  const persistence = new IndexeddbPersistence(localDbName(docId), doc);
  let usable = true;
  const readGeneration = async (): Promise<string | null> => {
    if (!usable) return null;
    try {
      const value = await persistence.get(GENERATION_KEY);
      return typeof value === 'string' ? value : null;
    } catch {
      return null;
    }
  };
  const flush = async () => {
    if (!usable) return;
    try {
      const db = await persistence._db;
      const [updates] = idb.transact(db, ['updates'], 'readonly');
      if (updates) await idb.count(updates);
    } catch {
      /* storage is gone; nothing more can be made safe */
    }
  };
  const storage = browserStorage();
  const rescue: LocalRescue | null =
    storage && typeof window !== 'undefined'
      ? createLocalRescue({
          docId,
          doc,
          storage,
          events: window,
          flush,
          storedOrigins: new Set([persistence]),
        })
      : null;
  const opened = Promise.race([
    persistence.whenSynced.then(() => undefined),
    persistence._db.then(
      () => new Promise<void>(() => {}),
      () => {
        usable = false;
      },
    ),
    new Promise<void>((resolve) => setTimeout(resolve, READY_TIMEOUT_MS)),
  ]);
  // The previous page's rescue copy goes into the document before the provider connects.
  const ready = opened.then(async () => {
    if (!rescue || !usable) return;
    const generation = await readGeneration();
    rescue.setGeneration(generation);
    await rescue.restore(generation).catch(() => false);
  });
  return {
    ready,
    get available() {
      return usable;
    },
    generation: readGeneration,
    async setGeneration(generation) {
      rescue?.setGeneration(generation);
      if (!usable) return;
      await persistence.set(GENERATION_KEY, generation).catch(() => {});
    },
    flush,
    async clear() {
      // The content belongs to a generation the cluster no longer has (M7): it must not come
      // back through a rescue copy either.
      rescue?.destroy();
      try {
        storage?.removeItem(rescueKey(docId));
      } catch {
        /* storage disabled */
      }
      await persistence.clearData().catch(() => {});
      await idb.deleteDB(localDbName(docId)).catch(() => {});
    },
    async destroy() {
      rescue?.destroy();
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
