import type { Clock } from '../clock.ts';
import { assertStorableDocId } from './doc-id.ts';
import { createGroupCommit } from './group-commit.ts';
import { mergeUpdates } from './merge-updates.ts';
import {
  type CompactOptions,
  type DocStore,
  partitionByGeneration,
  StoreCorruptError,
  type StoredDoc,
  StoreIoError,
} from './store.ts';

interface MemoryDoc {
  readonly generation: string;
  snapshot: Uint8Array | null;
  log: Uint8Array[];
}

/** The "disk" of memory stores: share one between stores to emulate a reopen. */
export interface MemoryBacking {
  readonly docs: Map<string, MemoryDoc>;
}

/** An empty backing. */
export function createMemoryBacking(): MemoryBacking {
  return { docs: new Map() };
}

export interface MemoryStoreOptions {
  /** Where committed documents live (default a fresh backing). */
  readonly backing?: MemoryBacking;
  /**
   * Stands in for fsync: awaited once per document per batch before its appends resolve;
   * a rejection rejects the batch with `StoreIoError` and nothing of it is kept (default none).
   */
  readonly barrier?: (docId: string) => Promise<void>;
  /** Group-commit window (default 0: appends of one tick share a batch). */
  readonly groupCommitMs?: number;
  /** Runs the group-commit timer (default the system clock). */
  readonly clock?: Clock;
}

interface PendingAppend {
  readonly update: Uint8Array;
  readonly generation: string;
}

/**
 * A `DocStore` in memory with the file store's semantics (group commit, per-document call
 * order, generation fixed by the first append, compaction into a merged snapshot, closed store
 * rejects), for unit tests
 * of logic above the store. Nothing survives the process.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): DocStore {
  const docs = (options.backing ?? createMemoryBacking()).docs;
  const barrier = options.barrier;
  let closed = false;
  let closing: Promise<void> | null = null;

  const assertUsable = (docId: string, checkId = true): void => {
    if (checkId) assertStorableDocId(docId);
    if (closed) throw new StoreIoError(docId, new Error('store is closed'));
  };

  const groupCommit = createGroupCommit<PendingAppend>({
    delayMs: options.groupCommitMs ?? 0,
    ...(options.clock ? { after: options.clock.after } : {}),
    commit: async (docId, items) => {
      if (barrier) {
        try {
          await barrier(docId);
        } catch (error) {
          throw new StoreIoError(docId, error);
        }
      }
      let doc = docs.get(docId);
      const split = partitionByGeneration(docId, doc?.generation ?? null, items);
      if (split.accepted.length === 0) return split.outcome;
      if (!doc) {
        doc = { generation: split.generation, snapshot: null, log: [] };
        docs.set(docId, doc);
      }
      for (const item of split.accepted) doc.log.push(item.update);
      return split.outcome;
    },
  });

  return {
    async load(docId: string): Promise<StoredDoc | null> {
      assertUsable(docId);
      return groupCommit.run(docId, async () => {
        const doc = docs.get(docId);
        if (!doc) return null;
        const updates = (doc.snapshot ? [doc.snapshot, ...doc.log] : doc.log).map((u) => u.slice());
        const bytes = updates.reduce((sum, u) => sum + u.length, 0);
        return { updates, generation: doc.generation, bytes };
      });
    },

    append(docId: string, update: Uint8Array, generation: string): Promise<void> {
      try {
        assertUsable(docId);
      } catch (error) {
        return Promise.reject(error);
      }
      return groupCommit.add(docId, { update: update.slice(), generation });
    },

    async compact(docId: string, options?: CompactOptions): Promise<void> {
      assertUsable(docId);
      await groupCommit.run(docId, async () => {
        const doc = docs.get(docId);
        if (!doc || doc.log.length === 0 || doc.log.length < (options?.minEntries ?? 0)) return;
        const parts = doc.snapshot ? [doc.snapshot, ...doc.log] : doc.log;
        try {
          doc.snapshot = mergeUpdates(parts);
        } catch (error) {
          throw new StoreCorruptError(docId, `stored updates cannot be merged: ${String(error)}`);
        }
        doc.log = [];
      });
    },

    async list(): Promise<string[]> {
      assertUsable('', false);
      return [...docs.keys()].sort();
    },

    async delete(docId: string, ifBytes?: number): Promise<boolean> {
      assertUsable(docId);
      return groupCommit.run(docId, async () => {
        const doc = docs.get(docId);
        if (doc && ifBytes !== undefined) {
          const bytes = (doc.snapshot ? [doc.snapshot, ...doc.log] : doc.log).reduce(
            (sum, u) => sum + u.length,
            0,
          );
          if (bytes !== ifBytes) return false;
        }
        docs.delete(docId);
        return true;
      });
    },

    close(): Promise<void> {
      closed = true;
      closing ??= groupCommit.flushAll();
      return closing;
    },
  };
}
