import * as Y from 'yjs';
import type { LinkPermission } from '../auth/link-record.ts';

/**
 * A document's metadata (PROTOCOL §5b, DESIGN R7): its index entry (title, created, last
 * edited, deleted), whether its initial content was written (the seeding flag) and its share
 * links with their revocation tombstones. It lives in the sub-room **`<docId>/meta`**, a Yjs
 * document of its own stored, replicated, handed off and backed up with the document by the
 * machinery that carries every room; nothing of it is in etcd. Only the owner node writes it
 * (`meta-service.ts`); clients never open it (its link records carry secret hashes).
 *
 * Layout: `Y.Map('doc')` with `title`, `created`, `updated`, `edited`, `seeded`, `deletedAt`;
 * `Y.Map('links')` of link id → `{perm, created, secretHash}` (written once, never changed);
 * `Y.Map('revoked')` of link id → revocation time (the tombstones: only ever added, so a
 * revocation cannot be lost to a concurrent write of the same link, whoever wins).
 */

/** The sub-room name suffix (`<docId>/meta`). `<docId>/comments` and `/versions` are others'. */
export const META_ROOM = 'meta';

/** The metadata sub-room of a page document. */
export function metaRoomOf(docId: string): string {
  return `${docId}/${META_ROOM}`;
}

/** The document a metadata sub-room belongs to, or `null` when `roomId` is not one. */
export function documentOfMetaRoom(roomId: string): string | null {
  const at = roomId.indexOf('/');
  if (at <= 0 || roomId.slice(at + 1) !== META_ROOM) return null;
  return roomId.slice(0, at);
}

/** A document's index entry, as the web app lists it. */
export interface DocMeta {
  readonly id: string;
  readonly title: string;
  /** ms since the epoch. */
  readonly created: number;
  /** ms since the epoch of the last rename. */
  readonly updated: number;
  /** True once the initial content is in the document (written by the owner, W4). */
  readonly seeded: boolean;
  /** ms since the epoch of the last content edit an editor reported. */
  readonly edited: number;
  /** ms since the epoch when it was deleted (kept as a tombstone: the id is never reused). */
  readonly deletedAt: number | null;
}

/** A share link as the document keeps it (the secret itself is never stored). */
export interface MetaLink {
  readonly id: string;
  readonly doc: string;
  readonly perm: LinkPermission;
  readonly created: number;
  /** SHA-256 of the link's secret, hex. */
  readonly secretHash: string;
  readonly revoked: boolean;
  readonly revokedAt: number | null;
}

/** Longest title kept (the web app cuts longer ones first). */
export const MAX_META_TITLE = 200;

const num = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** The document's index entry, or `null` when it has none (never created through the web app). */
export function readDocMeta(meta: Y.Doc, docId: string): DocMeta | null {
  const map = meta.getMap('doc');
  const created = map.get('created');
  if (typeof created !== 'number') return null;
  const title = map.get('title');
  const deletedAt = map.get('deletedAt');
  return {
    id: docId,
    title: typeof title === 'string' ? title : '',
    created,
    updated: num(map.get('updated'), created),
    seeded: map.get('seeded') === true,
    edited: num(map.get('edited'), created),
    deletedAt: typeof deletedAt === 'number' ? deletedAt : null,
  };
}

/** Writes `fields` of the index entry in one transaction with `origin`. */
export function writeDocMeta(
  meta: Y.Doc,
  fields: Partial<Omit<DocMeta, 'id'>>,
  origin: unknown,
): void {
  const map = meta.getMap('doc');
  meta.transact(() => {
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined && map.get(name) !== value) map.set(name, value);
    }
  }, origin);
}

/** A link of the document, or `null`. Never throws on odd stored values. */
export function readLink(meta: Y.Doc, docId: string, linkId: string): MetaLink | null {
  const raw = meta.getMap('links').get(linkId);
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (r.perm !== 'owner' && r.perm !== 'edit' && r.perm !== 'view') return null;
  if (typeof r.secretHash !== 'string') return null;
  const revokedAt = meta.getMap('revoked').get(linkId);
  return {
    id: linkId,
    doc: docId,
    perm: r.perm,
    created: num(r.created, 0),
    secretHash: r.secretHash,
    revoked: revokedAt !== undefined,
    revokedAt: typeof revokedAt === 'number' ? revokedAt : null,
  };
}

/** Every link of the document (revoked ones too), oldest first. */
export function readLinks(meta: Y.Doc, docId: string): MetaLink[] {
  return [...meta.getMap('links').keys()]
    .map((id) => readLink(meta, docId, id))
    .filter((l): l is MetaLink => l !== null)
    .sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}

/** Stores a new link (its id must be unused: see `readLink`). */
export function addLink(
  meta: Y.Doc,
  link: Pick<MetaLink, 'id' | 'perm' | 'created' | 'secretHash'>,
  origin: unknown,
): void {
  meta.transact(() => {
    meta.getMap('links').set(link.id, {
      perm: link.perm,
      created: link.created,
      secretHash: link.secretHash,
    });
  }, origin);
}

/** Adds the revocation tombstone of `linkId` (kept forever; a second call keeps the first time). */
export function revokeLink(meta: Y.Doc, linkId: string, at: number, origin: unknown): void {
  const revoked = meta.getMap('revoked');
  if (revoked.has(linkId)) return;
  meta.transact(() => revoked.set(linkId, at), origin);
}

/** True when a Yjs document holds any content (its state vector names some client). */
export function hasContent(doc: Y.Doc): boolean {
  return Y.encodeStateVector(doc).length > 1;
}
