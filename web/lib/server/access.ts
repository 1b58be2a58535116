import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { createKeyspace } from '../../../ring/index.ts';
import type { TicketSigner } from '../../../server/auth/index.ts';
import {
  encodeLinkRecord,
  type LinkPermission,
  type LinkRecord,
  parseLinkRecord,
  ticketPermission,
} from '../../../server/auth/index.ts';
import type { Permission } from '../../../server/protocol/index.ts';

/**
 * Share links and access tickets (SECURITY.md). A link is a capability for one document and
 * one permission; its token `<linkId>.<secret>` is handed out once (the secret is stored only
 * as its SHA-256). The creator's `owner` link also manages the other links. With access
 * control on, the web app exchanges a link token for a short-lived ticket the nodes verify.
 */
export interface AccessControl {
  /** False when no ticket key is configured: every document is open to anyone (as before). */
  readonly enabled: boolean;
  /** Creates a link; returns the token (shown once). */
  createLink(docId: string, perm: LinkPermission): Promise<{ link: LinkRecord; token: string }>;
  /** Every link of `docId` (revoked ones too), oldest first. */
  listLinks(docId: string): Promise<LinkRecord[]>;
  /** Marks a link revoked (nodes close its sockets); `null` when `docId` has no such link. */
  revokeLink(docId: string, linkId: string): Promise<LinkRecord | null>;
  /** The live link `token` stands for on `docId`; `null` for an unknown, revoked or foreign token. */
  resolve(docId: string, token: string): Promise<LinkRecord | null>;
  /** Signs a ticket for `link` (its document and permission). */
  ticket(link: LinkRecord): Promise<{ ticket: string; perm: Permission; expiresAt: number }>;
  /**
   * Runs `use` with tickets for the web app's own seeding of a new document (W4). They are
   * backed by a fresh edit link of the document (listed to its owner, revocable like any link)
   * that is revoked as soon as `use` settles: no ticket outlives a link's revocation.
   */
  withSeedTickets<T>(docId: string, use: (ticket: () => Promise<string>) => Promise<T>): Promise<T>;
}

export interface AccessControlOptions {
  readonly client: Etcd3;
  /** etcd key prefix (ends with `/`). */
  readonly prefix: string;
  /** `null`: access control off. */
  readonly signer: Promise<TicketSigner> | null;
  readonly now?: () => number;
}

const TOKEN = /^([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{20,128})$/;

/** Splits a link token; `null` when it is not one. */
export function parseAccessToken(token: string): { linkId: string; secret: string } | null {
  const match = TOKEN.exec(token);
  return match ? { linkId: match[1]!, secret: match[2]! } : null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** Creates the access control over etcd. Calls reject when etcd stays unreachable. */
export function createAccessControl(options: AccessControlOptions): AccessControl {
  const { client, prefix } = options;
  const now = options.now ?? Date.now;
  // A bad key rejects every ticket request with its message, not as an unhandled rejection.
  options.signer?.catch(() => {});
  const keys = createKeyspace(prefix);
  const indexKey = (docId: string, linkId = '') => keys.docLinksKey(docId, linkId);
  const signer = async () => {
    if (!options.signer) throw new Error('access control is off');
    return options.signer;
  };

  const read = async (linkId: string): Promise<LinkRecord | null> => {
    const value = await client.get(keys.linkKey(linkId)).string();
    return value === null ? null : parseLinkRecord(linkId, value);
  };

  const access: AccessControl = {
    enabled: options.signer !== null,
    async createLink(docId, perm) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const id = base64url(randomBytes(12));
        const secret = base64url(randomBytes(32));
        const link: LinkRecord = {
          id,
          doc: docId,
          perm,
          created: now(),
          secretHash: sha256(secret),
          revoked: false,
          revokedAt: null,
        };
        const key = keys.linkKey(id);
        const result = await client
          .if(key, 'Create', '==', 0)
          .then(
            client.put(key).value(encodeLinkRecord(link)),
            client.put(indexKey(docId, id)).value(''),
          )
          .commit();
        if (result.succeeded) return { link, token: `${id}.${secret}` };
      }
      throw new Error('could not allocate a link id');
    },
    async listLinks(docId) {
      const ids = Object.keys(await client.getAll().prefix(indexKey(docId)).strings()).map((k) =>
        k.slice(indexKey(docId).length),
      );
      const links = await Promise.all(ids.map((id) => read(id).catch(() => null)));
      return links
        .filter((l): l is LinkRecord => l !== null && l.doc === docId)
        .sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
    },
    async revokeLink(docId, linkId) {
      if (!parseAccessToken(`${linkId}.${'x'.repeat(20)}`)) return null;
      const key = keys.linkKey(linkId);
      for (let attempt = 0; attempt < 10; attempt++) {
        const response = await client.get(key).exec();
        const kv = response.kvs[0];
        const link = kv ? parseLinkRecord(linkId, kv.value.toString('utf8')) : null;
        if (!kv || !link || link.doc !== docId) return null;
        if (link.revoked) return link;
        const revoked: LinkRecord = { ...link, revoked: true, revokedAt: now() };
        const result = await client
          .if(key, 'Mod', '==', kv.mod_revision)
          .then(client.put(key).value(encodeLinkRecord(revoked)))
          .commit();
        if (result.succeeded) return revoked;
      }
      throw new Error(`link ${linkId}: too much contention revoking it`);
    },
    async resolve(docId, token) {
      const parsed = parseAccessToken(token);
      if (!parsed) return null;
      const link = await read(parsed.linkId);
      if (!link || link.revoked || link.doc !== docId) return null;
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
    async withSeedTickets(docId, use) {
      const { link } = await access.createLink(docId, 'edit');
      try {
        return await use(async () => (await access.ticket(link)).ticket);
      } finally {
        await access.revokeLink(docId, link.id);
      }
    },
  };
  return access;
}
