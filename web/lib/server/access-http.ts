import type { LinkPermission, LinkRecord } from '../../../server/auth/index.ts';
import type { AccessControl } from './access.ts';
import type { DocIndex } from './doc-index.ts';
import { jsonError } from './http.ts';

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
 * Decides whether the caller may open `docId` (access control on): the first caller, who
 * creates the index record (an etcd txn on create revision 0), is its creator and gets a new
 * owner link; anyone else must present a live link token of the document. Returns the grant,
 * or a 403 response.
 */
export async function admitToDocument(
  backend: { readonly access: AccessControl; readonly index: DocIndex },
  docId: string,
  title: string | undefined,
  presented: unknown,
): Promise<AccessGrant | Response> {
  const { access } = backend;
  if (!access.enabled) return { enabled: false };
  const { created } = await backend.index.createIfAbsent(docId, title);
  if (created) {
    const { token } = await access.createLink(docId, 'owner');
    return { enabled: true, perm: 'owner', token };
  }
  const link = typeof presented === 'string' ? await access.resolve(docId, presented) : null;
  if (!link) {
    return jsonError(403, 'you need a valid share link to open this document');
  }
  return { enabled: true, perm: link.perm };
}
