import * as Y from 'yjs';
import { isValidLinkId } from '../auth/link-record.ts';
import type { Room } from '../documents/room.ts';
import type { Logger } from '../log.ts';
import {
  addLink,
  type DocMeta,
  hasContent,
  MAX_META_TITLE,
  type MetaLink,
  metaRoomOf,
  readDocMeta,
  readLink,
  readLinks,
  revokeLink,
  writeDocMeta,
} from './meta-doc.ts';

/** Origin of the owner's writes into metadata rooms and of the initial content it writes. */
export const META_ORIGIN = Symbol('meta');

/** An answer of the metadata endpoint: an HTTP status and a JSON body. */
export interface MetaReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface MetaServiceDeps {
  /** The loaded room of a document or sub-room, loading it if needed (the registry). */
  readonly acquire: (docId: string) => Promise<Room>;
  /** True when this node owns `docId` now and may write (not fenced, draining or stopping). */
  readonly canWrite: (docId: string) => boolean;
  /** The current owner's id and public URL of `docId`, for a misdirected request (421). */
  readonly ownerOf: (docId: string) => { owner: string | null; url: string | null };
  /** A link was revoked here: close the sockets holding its tickets. */
  readonly onRevoked: (linkId: string) => void;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * The owner's keeper of document metadata (`<docId>/meta`, PROTOCOL K1–K5): the web app's
 * operations on a document's index entry, seeding and links, run one at a time per document
 * on the node that owns it, each answered once its writes are durable (stored and replicated
 * like any change). A node that does not own the document answers 421 with the owner.
 */
export interface MetaService {
  /** Runs operation `op` with `args` on `docId` (a page id: no `/`). Never rejects. */
  handle(docId: string, op: string, args: Record<string, unknown>): Promise<MetaReply>;
  /** The link as the owner's copy has it (`null`: no such link). Call on the owner only. */
  link(docId: string, linkId: string): Promise<MetaLink | null>;
  /** The index entries of `docIds` (documents this node owns); ones without an entry are skipped. */
  entries(docIds: readonly string[]): Promise<DocMeta[]>;
}

class BadRequest extends Error {}

const ok = (body: Record<string, unknown>, status = 200): MetaReply => ({ status, body });
const fail = (status: number, error: string): MetaReply => ({ status, body: { error } });

function title(args: Record<string, unknown>, required: boolean): string | undefined {
  const value = args.title;
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_META_TITLE) {
    throw new BadRequest(`title must be a string of 1 to ${MAX_META_TITLE} characters`);
  }
  return value;
}

function linkId(args: Record<string, unknown>, name = 'id'): string {
  const value = args[name];
  if (typeof value !== 'string' || !isValidLinkId(value)) {
    throw new BadRequest(`${name} must be a link id (8 to 64 of A-Z a-z 0-9 _ -)`);
  }
  return value;
}

function perm(value: unknown): 'owner' | 'edit' | 'view' {
  if (value !== 'owner' && value !== 'edit' && value !== 'view') {
    throw new BadRequest('perm must be "owner", "edit" or "view"');
  }
  return value;
}

function secretHash(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
    throw new BadRequest('secretHash must be 64 lower-case hex digits (SHA-256)');
  }
  return value;
}

function content(value: unknown): Uint8Array | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new BadRequest('content must be a base64 Yjs update');
  }
  const bytes = new Uint8Array(Buffer.from(value, 'base64'));
  try {
    Y.applyUpdate(new Y.Doc(), bytes);
  } catch {
    throw new BadRequest('content is not a Yjs update');
  }
  return bytes;
}

/** Creates the keeper over the node's registry. */
export function createMetaService(deps: MetaServiceDeps): MetaService {
  const chains = new Map<string, Promise<unknown>>();
  /** Runs `work` after every earlier operation on `docId` settled. */
  const serial = <T>(docId: string, work: () => Promise<T>): Promise<T> => {
    const previous = chains.get(docId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => {});
    chains.set(docId, settled);
    void settled.then(() => {
      if (chains.get(docId) === settled) chains.delete(docId);
    });
    return next;
  };

  const metaOf = async (docId: string) => (await deps.acquire(metaRoomOf(docId))).doc;

  /** Writes the initial content into the empty document, then marks it seeded (W4). */
  const seed = async (docId: string, meta: Room, initial: Uint8Array | null) => {
    const main = await deps.acquire(docId);
    if (initial && !hasContent(main.doc)) Y.applyUpdate(main.doc, initial, META_ORIGIN);
    await main.durable();
    writeDocMeta(meta.doc, { seeded: true }, META_ORIGIN);
  };

  const ops: Record<string, (docId: string, args: Record<string, unknown>) => Promise<MetaReply>> =
    {
      async get(docId) {
        return ok({ doc: readDocMeta(await metaOf(docId), docId) });
      },
      async ensure(docId, args) {
        const wanted = title(args, false);
        const initial = content(args.content);
        const owner = args.ownerLink;
        if (owner !== undefined && (typeof owner !== 'object' || owner === null)) {
          throw new BadRequest('ownerLink must be {id, secretHash}');
        }
        const ownerLink = owner
          ? {
              id: linkId(owner as Record<string, unknown>),
              hash: secretHash((owner as Record<string, unknown>).secretHash),
            }
          : null;
        const meta = await deps.acquire(metaRoomOf(docId));
        const existing = readDocMeta(meta.doc, docId);
        if (existing) {
          if (!existing.seeded && existing.deletedAt === null) await seed(docId, meta, initial);
          await meta.durable();
          return ok({ doc: readDocMeta(meta.doc, docId), created: false });
        }
        if (args.create === false) return fail(404, 'no such document');
        const main = await deps.acquire(docId);
        // `adopt` (operators only; the web app never sends it) takes over such a document.
        if (hasContent(main.doc) && args.adopt !== true) {
          // Issue 18: content without metadata (written while access control was off, or by a
          // stock client) has no known owner; the first caller must not become it.
          return fail(
            409,
            'this document has content but no owner record: only an operator can adopt it',
          );
        }
        const at = deps.now();
        writeDocMeta(
          meta.doc,
          {
            title: wanted ?? '',
            created: at,
            updated: at,
            edited: at,
            seeded: false,
          },
          META_ORIGIN,
        );
        if (ownerLink) {
          addLink(
            meta.doc,
            { id: ownerLink.id, perm: 'owner', created: at, secretHash: ownerLink.hash },
            META_ORIGIN,
          );
        }
        await seed(docId, meta, initial);
        await meta.durable();
        return ok({ doc: readDocMeta(meta.doc, docId), created: true }, 201);
      },
      async rename(docId, args) {
        const next = title(args, true);
        return update(docId, (_, at) => ({ title: next, updated: at }));
      },
      async touch(docId) {
        return update(docId, (meta, at) => ({ edited: Math.max(meta.edited, at) }));
      },
      async remove(docId) {
        return update(docId, (meta, at) => (meta.deletedAt === null ? { deletedAt: at } : {}));
      },
      async links(docId) {
        return ok({ links: readLinks(await metaOf(docId), docId) });
      },
      async 'link.get'(docId, args) {
        return ok({ link: readLink(await metaOf(docId), docId, linkId(args)) });
      },
      async 'link.create'(docId, args) {
        const id = linkId(args);
        const record = {
          id,
          perm: perm(args.perm),
          secretHash: secretHash(args.secretHash),
          created: deps.now(),
        };
        const meta = await deps.acquire(metaRoomOf(docId));
        const doc = readDocMeta(meta.doc, docId);
        if (!doc || doc.deletedAt !== null) return fail(404, 'no such document');
        if (readLink(meta.doc, docId, id)) return fail(409, 'a link with this id exists');
        addLink(meta.doc, record, META_ORIGIN);
        await meta.durable();
        return ok({ link: readLink(meta.doc, docId, id) }, 201);
      },
      async 'link.revoke'(docId, args) {
        const id = linkId(args);
        const meta = await deps.acquire(metaRoomOf(docId));
        const link = readLink(meta.doc, docId, id);
        if (!link) return ok({ link: null });
        revokeLink(meta.doc, id, deps.now(), META_ORIGIN);
        await meta.durable();
        deps.onRevoked(id);
        return ok({ link: readLink(meta.doc, docId, id) });
      },
    };

  async function update(
    docId: string,
    change: (meta: DocMeta, at: number) => Partial<Omit<DocMeta, 'id'>>,
  ): Promise<MetaReply> {
    const meta = await deps.acquire(metaRoomOf(docId));
    const current = readDocMeta(meta.doc, docId);
    if (!current) return ok({ doc: null });
    writeDocMeta(meta.doc, change(current, deps.now()), META_ORIGIN);
    await meta.durable();
    return ok({ doc: readDocMeta(meta.doc, docId) });
  }

  return {
    async handle(docId, op, args) {
      const run = Object.hasOwn(ops, op) ? ops[op] : undefined;
      if (!run) return fail(400, `unknown operation ${JSON.stringify(op).slice(0, 80)}`);
      if (!deps.canWrite(docId)) {
        return {
          status: 421,
          body: { error: 'not the owner of this document', ...deps.ownerOf(docId) },
        };
      }
      return serial(docId, async () => {
        try {
          return await run(docId, args);
        } catch (error) {
          if (error instanceof BadRequest) return fail(400, error.message);
          deps.log.warn('document metadata operation failed', { docId, op, error });
          return fail(503, 'the document could not be read or written now; retry');
        }
      });
    },
    async link(docId, id) {
      return readLink(await metaOf(docId), docId, id);
    },
    async entries(docIds) {
      const found: DocMeta[] = [];
      for (const docId of docIds) {
        try {
          const entry = readDocMeta(await metaOf(docId), docId);
          if (entry) found.push(entry);
        } catch (error) {
          deps.log.warn('document metadata unreadable', { docId, error });
        }
      }
      return found;
    },
  };
}
