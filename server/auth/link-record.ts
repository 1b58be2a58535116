import type { Permission } from '../protocol/index.ts';

/**
 * A share link of one document, as the web app handles it (SECURITY.md). It is kept in the
 * document's own metadata on its owner node (`<docId>/meta`, PROTOCOL K3), with its revocation
 * tombstone; nodes check tickets against it. The link's secret is never stored, only its
 * SHA-256 (`secretHash`, hex).
 */
export interface LinkRecord {
  readonly id: string;
  /** The document (page id, no sub-room) the link opens. */
  readonly doc: string;
  /** `owner`: the creator's link (edit, and manage links); `edit`; `view`. */
  readonly perm: LinkPermission;
  /** ms since the epoch. */
  readonly created: number;
  readonly secretHash: string;
  readonly revoked: boolean;
  readonly revokedAt: number | null;
}

export type LinkPermission = 'owner' | 'edit' | 'view';

const LINK_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** True for a well-formed link id. */
export function isValidLinkId(id: string): boolean {
  return LINK_ID.test(id);
}

/** What a ticket minted from a link of `perm` allows on the document. */
export function ticketPermission(perm: LinkPermission): Permission {
  return perm === 'view' ? 'view' : 'edit';
}

/** Parses a stored record of link `id`; `null` when it is not one. Never throws. */
export function parseLinkRecord(id: string, value: string): LinkRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (r.id !== id || typeof r.doc !== 'string' || typeof r.secretHash !== 'string') return null;
  if (r.perm !== 'owner' && r.perm !== 'edit' && r.perm !== 'view') return null;
  return {
    id,
    doc: r.doc,
    perm: r.perm,
    created: typeof r.created === 'number' ? r.created : 0,
    secretHash: r.secretHash,
    revoked: r.revoked === true,
    revokedAt: typeof r.revokedAt === 'number' ? r.revokedAt : null,
  };
}

/** The JSON stored for `record`. */
export function encodeLinkRecord(record: LinkRecord): string {
  return JSON.stringify({
    id: record.id,
    doc: record.doc,
    perm: record.perm,
    created: record.created,
    secretHash: record.secretHash,
    revoked: record.revoked,
    revokedAt: record.revokedAt,
  });
}
