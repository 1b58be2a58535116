import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyspace } from '../../ring/index.ts';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import {
  createTicketSigner,
  createTicketVerifier,
  generateTicketKeys,
} from '../../server/auth/ticket.ts';
import { createAccessControl } from '../../web/lib/server/access.ts';
import { admitToDocument, requireLink } from '../../web/lib/server/access-http.ts';
import { createDocIndex } from '../../web/lib/server/doc-index.ts';

/** The web app's share links and tickets against a real etcd (SECURITY.md, P21). */
let etcd: EtcdServer;
let client: Etcd3;
const keys = generateTicketKeys();
const prefix = '/web-access/';

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: [etcd.endpoint] });
}, 60_000);

afterAll(async () => {
  client?.close();
  await etcd?.stop();
});

function setup() {
  const access = createAccessControl({
    client,
    prefix,
    signer: createTicketSigner({ privateKey: keys.privateKey }),
  });
  const index = createDocIndex({ client, keys: createKeyspace(prefix) });
  return { access, index };
}

const bearer = (token: string) =>
  new Request('http://web/x', { headers: { authorization: `Bearer ${token}` } });

describe('share links', () => {
  it('[P21] a link token resolves on its document only, until it is revoked; its ticket carries doc and perm', async () => {
    const { access } = setup();
    const verifier = await createTicketVerifier({ publicKeys: keys.publicKey });
    const { link, token } = await access.createLink('doc-links-a', 'view');
    expect(await access.resolve('doc-links-a', token)).toMatchObject({ id: link.id, perm: 'view' });
    expect(await access.resolve('doc-links-b', token)).toBeNull();
    const [id, secret] = token.split('.');
    expect(await access.resolve('doc-links-a', `${id}.${secret!.replace(/.$/, 'x')}x`)).toBeNull();
    const { ticket, perm } = await access.ticket(link);
    expect(perm).toBe('view');
    expect(await verifier.verify(ticket)).toMatchObject({
      docId: 'doc-links-a',
      perm: 'view',
      linkId: link.id,
    });
    const stored = await client.get(`${prefix}links/${link.id}`).string();
    expect(stored).not.toContain(secret!);
    expect((await access.revokeLink('doc-links-a', link.id))?.revoked).toBe(true);
    expect(await access.resolve('doc-links-a', token)).toBeNull();
    expect(await access.revokeLink('doc-links-b', link.id)).toBeNull();
    expect((await access.listLinks('doc-links-a')).map((l) => [l.id, l.revoked])).toEqual([
      [link.id, true],
    ]);
  });

  it('[P21] the creator of a document gets its owner link; others need a live link', async () => {
    const { access, index } = setup();
    const backend = { access, index };
    const first = await admitToDocument(backend, 'doc-admit', undefined, undefined);
    expect(first).toMatchObject({ enabled: true, perm: 'owner' });
    const ownerToken = (first as { token: string }).token;
    const stranger = await admitToDocument(backend, 'doc-admit', undefined, undefined);
    expect(stranger).toBeInstanceOf(Response);
    expect((stranger as Response).status).toBe(403);
    expect(await admitToDocument(backend, 'doc-admit', undefined, ownerToken)).toEqual({
      enabled: true,
      perm: 'owner',
    });
    const { token: editToken } = await access.createLink('doc-admit', 'edit');
    expect(await requireLink(access, 'doc-admit', bearer(ownerToken), ['owner'])).toMatchObject({
      perm: 'owner',
    });
    const denied = await requireLink(access, 'doc-admit', bearer(editToken), ['owner']);
    expect((denied as Response).status).toBe(403);
  });

  it('[P21] with access control off everything is open, as before', async () => {
    const access = createAccessControl({ client, prefix, signer: null });
    const index = createDocIndex({ client, keys: createKeyspace(prefix) });
    expect(access.enabled).toBe(false);
    expect(await admitToDocument({ access, index }, 'doc-open', undefined, undefined)).toEqual({
      enabled: false,
    });
    expect(
      await requireLink(access, 'doc-open', new Request('http://web/x'), ['owner']),
    ).toBeNull();
  });

  it('[P21] no ticket the owner cannot revoke: seeding tickets name a fresh edit link, listed to the owner and revoked after', async () => {
    const { access } = setup();
    const verifier = await createTicketVerifier({ publicKeys: keys.publicKey });
    await access.createLink('doc-seeded', 'owner');
    let during: Array<{ id: string; perm: string; revoked: boolean }> = [];
    let seedLink = '';
    await access.withSeedTickets('doc-seeded', async (ticket) => {
      const grant = await verifier.verify(await ticket());
      expect(grant).toMatchObject({ docId: 'doc-seeded', perm: 'edit' });
      seedLink = grant.linkId;
      during = (await access.listLinks('doc-seeded')).map((l) => ({
        id: l.id,
        perm: l.perm,
        revoked: l.revoked,
      }));
    });
    expect(during).toContainEqual({ id: seedLink, perm: 'edit', revoked: false });
    const after = (await access.listLinks('doc-seeded')).find((l) => l.id === seedLink);
    expect(after?.revoked).toBe(true);
    // A failed seeding revokes its link too.
    let failedLink = '';
    await expect(
      access.withSeedTickets('doc-seeded', async (ticket) => {
        failedLink = (await verifier.verify(await ticket())).linkId;
        throw new Error('node unreachable');
      }),
    ).rejects.toThrow('node unreachable');
    expect((await access.listLinks('doc-seeded')).find((l) => l.id === failedLink)?.revoked).toBe(
      true,
    );
  });
});
