import type { LinkPermission, LinkRecord } from '../../../server/auth/index.ts';
import type { AccessControl } from './access.ts';
import { type DocIndex, UnclaimableDocumentError } from './doc-index.ts';
import { type DocRecord, normalizeTitle } from './doc-record.ts';
import { jsonError } from './http.ts';
import { buildInitialUpdate } from './initial-content.ts';

/** The token of `Authorization: Bearer <token>`, or `null`. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * The link the request's bearer token stands for on `docId` if its permission is one of
 * `allowed`, else a 403 response to return. With access control off, `null` (allowed).
 */
export async function requireLink(
  access: AccessControl,
  docId: string,
  request: Request,
  allowed: readonly LinkPermission[],
): Promise<LinkRecord | Response | null> {
  if (!access.enabled) return null;
  const token = bearerToken(request);
  const link = token ? await access.resolve(docId, token) : null;
  if (!link || !allowed.includes(link.perm)) {
    return jsonError(403, 'you do not have access to this document (or this action)');
  }
  return link;
}

/** What the browser may know of a link (never its secret hash). */
export function publicLink(link: LinkRecord) {
  return {
    id: link.id,
    perm: link.perm,
    created: link.created,
    revoked: link.revoked,
    revokedAt: link.revokedAt,
  };
}

/** What the page learns about its access to a document (`access` in ensure/create answers). */
export type AccessGrant =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly perm: LinkPermission; readonly token?: string };

/**
 * Opens `docId` for the caller (W4, SECURITY.md): creates it if it has no index entry (unless
 * `create` is false: 404) with its initial content written exactly once by its owner node, and
 * decides the caller's access. With access control on, the caller whose request created the
 * document (decided by the owner, one operation at a time) gets its new owner link; anyone else
 * must present a live link token of the document (else 403). A deleted document is a 410; a
 * document that has content but no entry (written by a stock client or while access control
 * was off) is a 409 for everyone: only an operator can adopt it (issue 18).
 */
export async function openDocument(
  backend: { readonly access: AccessControl; readonly index: DocIndex },
  docId: string,
  request: {
    readonly title?: string | undefined;
    readonly presented?: unknown;
    readonly create?: boolean;
  },
): Promise<{ doc: DocRecord; access: AccessGrant } | Response> {
  const { access } = backend;
  const owner = access.enabled ? access.newOwnerLink() : null;
  let opened: Awaited<ReturnType<DocIndex['ensure']>>;
  try {
    opened = await backend.index.ensure(docId, {
      ...(request.title !== undefined ? { title: request.title } : {}),
      content: buildInitialUpdate(normalizeTitle(request.title)),
      ...(request.create === false ? { create: false } : {}),
      ...(owner ? { ownerLink: { id: owner.id, secretHash: owner.secretHash } } : {}),
    });
  } catch (error) {
    if (error instanceof UnclaimableDocumentError) return jsonError(409, error.message);
    throw error;
  }
  if (!opened) return jsonError(404, 'no such document');
  const { record, created } = opened;
  if (record.deletedAt !== null) return jsonError(410, 'this document was deleted');
  if (!access.enabled) return { doc: record, access: { enabled: false } };
  if (created && owner) {
    return { doc: record, access: { enabled: true, perm: 'owner', token: owner.token } };
  }
  const link =
    typeof request.presented === 'string' ? await access.resolve(docId, request.presented) : null;
  if (!link) {
    return jsonError(403, 'you need a valid share link to open this document');
  }
  return { doc: record, access: { enabled: true, perm: link.perm } };
}
