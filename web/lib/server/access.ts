import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TicketSigner } from '../../../server/auth/index.ts';
import {
  type LinkPermission,
  type LinkRecord,
  parseLinkRecord,
  ticketPermission,
} from '../../../server/auth/index.ts';
import type { Permission } from '../../../server/protocol/index.ts';
import type { NodeMeta, NodeReply } from './node-meta.ts';

/**
 * Share links and access tickets (SECURITY.md). A link is a capability for one document and
 * one permission; its token `<linkId>.<secret>` is handed out once (the secret is stored only
 * as its SHA-256). The creator's `owner` link also manages the other links. Links and their
 * revocation tombstones are kept in the document's own metadata on its owner node
 * (`<docId>/meta`, PROTOCOL K3), never in etcd. With access control on, the web app exchanges
 * a link token for a short-lived ticket the nodes verify against that same link list.
 */
export interface AccessControl {
  /** False when no ticket key is configured: every document is open to anyone (as before). */
  readonly enabled: boolean;
  /** Creates a link of an existing document; returns the token (shown once). */
  createLink(docId: string, perm: LinkPermission): Promise<{ link: LinkRecord; token: string }>;
  /** A fresh owner link's id, secret hash and token, for the document's creation (`ensure`). */
  newOwnerLink(): { id: string; secretHash: string; token: string };
  /** Every link of `docId` (revoked ones too), oldest first. */
  listLinks(docId: string): Promise<LinkRecord[]>;
  /** Revokes a link (every node closes its sockets); `null` when `docId` has no such link. */
  revokeLink(docId: string, linkId: string): Promise<LinkRecord | null>;
  /** The live link `token` stands for on `docId`; `null` for an unknown, revoked or foreign token. */
  resolve(docId: string, token: string): Promise<LinkRecord | null>;
  /** Signs a ticket for `link` (its document and permission). */
  ticket(link: LinkRecord): Promise<{ ticket: string; perm: Permission; expiresAt: number }>;
}

export interface AccessControlOptions {
  /** The documents' owners (`node-meta.ts`). */
  readonly nodes: NodeMeta;
  /** `null`: access control off. */
  readonly signer: Promise<TicketSigner> | null;
}

const TOKEN = /^([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{20,128})$/;

/** Splits a link token; `null` when it is not one. */
export function parseAccessToken(token: string): { linkId: string; secret: string } | null {
  const match = TOKEN.exec(token);
  return match ? { linkId: match[1]!, secret: match[2]! } : null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** The link record in a node's answer, or `null`. */
function linkOf(docId: string, value: unknown): LinkRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  if (typeof id !== 'string') return null;
  const link = parseLinkRecord(id, JSON.stringify(value));
  return link && link.doc === docId ? link : null;
}

function expect(reply: NodeReply, ok: readonly number[], what: string): NodeReply {
  if (ok.includes(reply.status)) return reply;
  throw new Error(`${what}: node answered ${reply.status} ${String(reply.body.error ?? '')}`);
}

/** Creates the access control over the documents' owners. Calls reject when none answers. */
export function createAccessControl(options: AccessControlOptions): AccessControl {
  const { nodes } = options;
  // A bad key rejects every ticket request with its message, not as an unhandled rejection.
  options.signer?.catch(() => {});
  const signer = async () => {
    if (!options.signer) throw new Error('access control is off');
    return options.signer;
  };
  const fresh = () => {
    const id = base64url(randomBytes(12));
    const secret = base64url(randomBytes(32));
    return { id, secretHash: sha256(secret), token: `${id}.${secret}` };
  };
  const readLink = async (docId: string, linkId: string) =>
    linkOf(
      docId,
      expect(await nodes.call(docId, 'link.get', { id: linkId }), [200], 'read link').body.link,
    );

  return {
    enabled: options.signer !== null,
    newOwnerLink: fresh,
    async createLink(docId, perm) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const { id, secretHash, token } = fresh();
        const reply = await nodes.call(docId, 'link.create', { id, perm, secretHash });
        if (reply.status === 409) continue;
        if (reply.status === 404) throw new Error(`document ${docId} does not exist`);
        expect(reply, [201], 'create link');
        const link = linkOf(docId, reply.body.link);
        if (!link) throw new Error('the owner sent no link record');
        return { link, token };
      }
      throw new Error('could not allocate a link id');
    },
    async listLinks(docId) {
      const reply = expect(await nodes.call(docId, 'links'), [200], 'list links');
      const links = Array.isArray(reply.body.links) ? reply.body.links : [];
      return links.map((l: unknown) => linkOf(docId, l)).filter((l): l is LinkRecord => l !== null);
    },
    async revokeLink(docId, linkId) {
      if (!parseAccessToken(`${linkId}.${'x'.repeat(20)}`)) return null;
      const reply = expect(
        await nodes.call(docId, 'link.revoke', { id: linkId }),
        [200],
        'revoke link',
      );
      const link = linkOf(docId, reply.body.link);
      // The owner closed its own sockets of the link; every other node closes its own now.
      if (link) await nodes.announceRevocation(linkId);
      return link;
    },
    async resolve(docId, token) {
      const parsed = parseAccessToken(token);
      if (!parsed) return null;
      const link = await readLink(docId, parsed.linkId);
      if (!link || link.revoked) return null;
      const expected = Buffer.from(link.secretHash, 'hex');
      const presented = Buffer.from(sha256(parsed.secret), 'hex');
      if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
        return null;
      }
      return link;
    },
    async ticket(link) {
      const perm = ticketPermission(link.perm);
      const signed = await (await signer()).sign({ docId: link.doc, perm, linkId: link.id });
      return { ...signed, perm };
    },
  };
}
