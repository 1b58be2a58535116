import type { Etcd3 } from 'etcd3';
import type { Keyspace } from '../../../ring/index.ts';
import { type DocRecord, encodeDocRecord, normalizeTitle, parseDocRecord } from './doc-record.ts';

/** The document index in etcd, `<prefix>docs/<docId>` (DESIGN W3). */
export interface DocIndex {
  /** Every parsable record, most recently updated first. */
  list(): Promise<DocRecord[]>;
  get(id: string): Promise<DocRecord | null>;
  /**
   * Creates the record unless one exists (an etcd txn on create revision 0): `created` tells
   * whether this call wrote it. Concurrent callers get the same record back.
   */
  createIfAbsent(id: string, title?: string): Promise<{ record: DocRecord; created: boolean }>;
  /** Renames an existing document; `null` when there is none. Compare-and-swap, retried. */
  rename(id: string, title: string): Promise<DocRecord | null>;
  /** Marks the initial content as written (W4); `null` when there is no record. */
  markSeeded(id: string): Promise<DocRecord | null>;
  /** Records a content edit now (`edited`, for "last edited" in the list); `null` when absent. */
  touch(id: string): Promise<DocRecord | null>;
  /**
   * Deletes the document from the list (`deletedAt`): it is no longer listed or opened and its
   * id is never reused; the content stays on the nodes. `null` when there is no record.
   */
  remove(id: string): Promise<DocRecord | null>;
}

export interface DocIndexOptions {
  readonly client: Etcd3;
  readonly keys: Keyspace;
  readonly now?: () => number;
}

const CAS_ATTEMPTS = 20;

/** Creates the index over `client`. Calls reject when etcd stays unreachable (client retries first). */
export function createDocIndex(options: DocIndexOptions): DocIndex {
  const { client, keys } = options;
  const now = options.now ?? Date.now;

  const read = async (id: string): Promise<{ record: DocRecord; modRevision: string } | null> => {
    const response = await client.get(keys.docKey(id)).exec();
    const kv = response.kvs[0];
    if (!kv) return null;
    const record = parseDocRecord(id, kv.value.toString('utf8'));
    return record ? { record, modRevision: kv.mod_revision } : null;
  };

  /** Applies `change` with compare-and-swap on the key's mod revision. */
  const update = async (
    id: string,
    change: (r: DocRecord) => DocRecord,
  ): Promise<DocRecord | null> => {
    const key = keys.docKey(id);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await read(id);
      if (!current) return null;
      const next = change(current.record);
      const result = await client
        .if(key, 'Mod', '==', current.modRevision)
        .then(client.put(key).value(encodeDocRecord(next)))
        .commit();
      if (result.succeeded) return next;
    }
    throw new Error(`document ${id}: too much contention updating its index record`);
  };

  return {
    async list() {
      const all = await client.getAll().prefix(keys.docsPrefix).strings();
      const records: DocRecord[] = [];
      for (const [key, value] of Object.entries(all)) {
        const id = keys.parseDocKey(key);
        const record = id === null ? null : parseDocRecord(id, value);
        if (record && record.deletedAt === null) records.push(record);
      }
      return records.sort((a, b) => b.updated - a.updated || a.id.localeCompare(b.id));
    },
    async get(id) {
      return (await read(id))?.record ?? null;
    },
    async createIfAbsent(id, title) {
      const key = keys.docKey(id);
      const t = now();
      const record: DocRecord = {
        id,
        title: normalizeTitle(title),
        created: t,
        updated: t,
        seeded: false,
        edited: t,
        deletedAt: null,
      };
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const result = await client
          .if(key, 'Create', '==', 0)
          .then(client.put(key).value(encodeDocRecord(record)))
          .commit();
        if (result.succeeded) return { record, created: true };
        const existing = await read(id);
        if (existing) return { record: existing.record, created: false };
      }
      throw new Error(`document ${id}: its index record is unreadable`);
    },
    rename(id, title) {
      return update(id, (r) => ({ ...r, title: normalizeTitle(title), updated: now() }));
    },
    markSeeded(id) {
      return update(id, (r) => (r.seeded ? r : { ...r, seeded: true }));
    },
    touch(id) {
      return update(id, (r) => ({ ...r, edited: Math.max(r.edited, now()) }));
    },
    remove(id) {
      return update(id, (r) => (r.deletedAt === null ? { ...r, deletedAt: now() } : r));
    },
  };
}
