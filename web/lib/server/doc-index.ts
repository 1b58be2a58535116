import { type DocRecord, normalizeTitle, parseDocRecord } from './doc-record.ts';
import type { NodeMeta, NodeReply } from './node-meta.ts';

/**
 * The document index (DESIGN W3, R7): each document's entry lives in its own metadata
 * (`<docId>/meta`) on its owner node; the list is merged from every node's `/meta-index`.
 * Nothing of it is in etcd.
 */
export interface DocIndex {
  /** Every live document, most recently updated first. */
  list(): Promise<DocRecord[]>;
  get(id: string): Promise<DocRecord | null>;
  /**
   * Creates the document if it has no entry (its owner decides, one operation at a time, so
   * concurrent callers get the same record and exactly one gets `created`), writing `content`
   * (a Yjs update) into it exactly once (W4) and, when given, its creator's owner link.
   * `create: false` never creates (`null` for an unknown document). Rejects with
   * {@link UnclaimableDocumentError} for a document that has content but no entry.
   */
  ensure(
    id: string,
    request: {
      readonly title?: string;
      readonly content: Uint8Array;
      readonly create?: boolean;
      readonly ownerLink?: { readonly id: string; readonly secretHash: string };
    },
  ): Promise<{ record: DocRecord; created: boolean } | null>;
  /** Renames an existing document; `null` when there is none. */
  rename(id: string, title: string): Promise<DocRecord | null>;
  /** Records a content edit now (`edited`, for "last edited" in the list); `null` when absent. */
  touch(id: string): Promise<DocRecord | null>;
  /**
   * Deletes the document from the list (`deletedAt`): it is no longer listed or opened and its
   * id is never reused; the content stays on the nodes. `null` when there is no record.
   */
  remove(id: string): Promise<DocRecord | null>;
}

/** A document id whose content exists without an index entry: only an operator may adopt it. */
export class UnclaimableDocumentError extends Error {
  override readonly name = 'UnclaimableDocumentError';
}

/** The record of an entry a node sent (`null` when there is none or it does not parse). */
export function recordOf(id: string, entry: unknown): DocRecord | null {
  return entry ? parseDocRecord(id, JSON.stringify(entry)) : null;
}

function expect(reply: NodeReply, ok: readonly number[], what: string): NodeReply {
  if (ok.includes(reply.status)) return reply;
  throw new Error(`${what}: node answered ${reply.status} ${String(reply.body.error ?? '')}`);
}

/** Creates the index over the nodes. Calls reject when no owner answers in time. */
export function createDocIndex(options: { readonly nodes: NodeMeta }): DocIndex {
  const { nodes } = options;
  const recordOp = async (id: string, op: string, args: Record<string, unknown> = {}) =>
    recordOf(id, expect(await nodes.call(id, op, args), [200], `${op} ${id}`).body.doc);
  return {
    async list() {
      const records: DocRecord[] = [];
      for (const entry of await nodes.listAll()) {
        const record = typeof entry.id === 'string' ? recordOf(entry.id, entry) : null;
        if (record && record.deletedAt === null) records.push(record);
      }
      return records.sort((a, b) => b.updated - a.updated || a.id.localeCompare(b.id));
    },
    get: (id) => recordOp(id, 'get'),
    async ensure(id, request) {
      const reply = await nodes.call(id, 'ensure', {
        title: normalizeTitle(request.title),
        content: Buffer.from(request.content).toString('base64'),
        ...(request.create === false ? { create: false } : {}),
        ...(request.ownerLink ? { ownerLink: request.ownerLink } : {}),
      });
      if (reply.status === 404) return null;
      if (reply.status === 409) throw new UnclaimableDocumentError(String(reply.body.error));
      expect(reply, [200, 201], `ensure ${id}`);
      const record = recordOf(id, reply.body.doc);
      if (!record) throw new Error(`ensure ${id}: the owner sent no record`);
      return { record, created: reply.body.created === true };
    },
    rename: (id, title) => recordOp(id, 'rename', { title: normalizeTitle(title) }),
    touch: (id) => recordOp(id, 'touch'),
    remove: (id) => recordOp(id, 'remove'),
  };
}
