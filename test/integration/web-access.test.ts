import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  createTicketSigner,
  createTicketVerifier,
  generateTicketKeys,
} from '../../server/auth/ticket.ts';
import { createSilentLogger } from '../../server/log.ts';
import { createAccessControl } from '../../web/lib/server/access.ts';
import { openDocument, requireLink } from '../../web/lib/server/access-http.ts';
import { createDocIndex } from '../../web/lib/server/doc-index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { clusterMeta } from '../harness/meta.ts';
import { RawClient } from '../harness/raw-client.ts';

/**
 * The web app's document index, share links, tickets and seeding against real nodes and etcd
 * (SECURITY.md, P21, PROTOCOL K1–K5): everything per document is kept by the document's owner
 * node in `<docId>/meta`. The nodes run without a ticket key here so a stock client can write a
 * document behind the web app's back (issue 18).
 */
let cluster: Cluster;
let meta: Awaited<ReturnType<typeof clusterMeta>>;
const keys = generateTicketKeys();
let seq = 0;
const fresh = (stem: string) => `${stem}-${Date.now().toString(36)}-${seq++}`;

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2, leaseTtl: 5 });
  meta = await clusterMeta(cluster, createSilentLogger());
}, 90_000);

afterAll(async () => {
  await meta?.close();
  await cluster?.stop();
}, 60_000);

function setup(signed = true) {
  const access = createAccessControl({
    nodes: meta.nodes,
    signer: signed ? createTicketSigner({ privateKey: keys.privateKey }) : null,
  });
  const index = createDocIndex({ nodes: meta.nodes });
  return { access, index, backend: { access, index } };
}

const bearer = (token: string) =>
  new Request('http://web/x', { headers: { authorization: `Bearer ${token}` } });

/** Connects a stock client to `docId`'s owner and returns its copy once synced. */
async function read(docId: string): Promise<Y.Doc> {
  const { url } = await cluster.ownerOf(docId);
  const client = new RawClient(url, docId);
  try {
    await client.opened();
    await client.waitSynced();
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(client.doc));
    return copy;
  } finally {
    client.close();
  }
}

describe('share links kept with the document', () => {
  it('[P21] a link token resolves on its document only, until it is revoked; its ticket carries doc and perm; the secret is never stored', async () => {
    const { access, backend } = setup();
    const docId = fresh('doc-links-a');
    const other = fresh('doc-links-b');
    expect(await openDocument(backend, docId, {})).toMatchObject({ access: { perm: 'owner' } });
    await openDocument(backend, other, {});
    const verifier = await createTicketVerifier({ publicKeys: keys.publicKey });
    const { link, token } = await access.createLink(docId, 'view');
    expect(await access.resolve(docId, token)).toMatchObject({ id: link.id, perm: 'view' });
    expect(await access.resolve(other, token)).toBeNull();
    const [id, secret] = token.split('.');
    expect(await access.resolve(docId, `${id}.${secret!.replace(/.$/, 'x')}x`)).toBeNull();
    const { ticket, perm } = await access.ticket(link);
    expect(perm).toBe('view');
    expect(await verifier.verify(ticket)).toMatchObject({ docId, perm: 'view', linkId: link.id });
    const stored = await meta.nodes.call(docId, 'links');
    expect(JSON.stringify(stored.body)).not.toContain(secret!);
    expect((await access.revokeLink(docId, link.id))?.revoked).toBe(true);
    expect(await access.resolve(docId, token)).toBeNull();
    expect(await access.revokeLink(other, link.id)).toBeNull();
    expect(
      (await access.listLinks(docId))
        .filter((l) => l.perm !== 'owner')
        .map((l) => [l.id, l.revoked]),
    ).toEqual([[link.id, true]]);
    // A document that does not exist gets no link.
    await expect(access.createLink(fresh('doc-none'), 'edit')).rejects.toThrow(/does not exist/);
  });

  it('[P21] the creator of a document gets its owner link; others need a live link', async () => {
    const { access, backend } = setup();
    const docId = fresh('doc-admit');
    const first = await openDocument(backend, docId, {});
    expect(first).toMatchObject({ access: { enabled: true, perm: 'owner' } });
    const ownerToken = (first as { access: { token: string } }).access.token;
    const stranger = await openDocument(backend, docId, {});
    expect((stranger as Response).status).toBe(403);
    expect(await openDocument(backend, docId, { presented: ownerToken })).toMatchObject({
      access: { enabled: true, perm: 'owner' },
    });
    const { token: editToken } = await access.createLink(docId, 'edit');
    expect(await requireLink(access, docId, bearer(ownerToken), ['owner'])).toMatchObject({
      perm: 'owner',
    });
    const denied = await requireLink(access, docId, bearer(editToken), ['owner']);
    expect((denied as Response).status).toBe(403);
    // `create: false` never creates.
    expect(
      ((await openDocument(backend, fresh('doc-unknown'), { create: false })) as Response).status,
    ).toBe(404);
  });

  it('[P21] with access control off everything is open, as before', async () => {
    const { access, backend } = setup(false);
    expect(access.enabled).toBe(false);
    expect(await openDocument(backend, fresh('doc-open'), {})).toMatchObject({
      access: { enabled: false },
    });
    expect(
      await requireLink(access, 'doc-open', new Request('http://web/x'), ['owner']),
    ).toBeNull();
  });

  it("[W4][P21] seeding needs no ticket: the owner node writes the initial content once, however many callers race; the only link is the creator's", async () => {
    const { access, backend } = setup();
    const docId = fresh('doc-seeded');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => openDocument(backend, docId, { title: 'Raced' })),
    );
    const owners = results.filter(
      (r) => !(r instanceof Response) && r.access.enabled && r.access.perm === 'owner',
    );
    expect(owners).toHaveLength(1);
    expect(results.filter((r) => r instanceof Response && r.status === 403)).toHaveLength(7);
    const links = await access.listLinks(docId);
    expect(links.map((l) => [l.perm, l.revoked])).toEqual([['owner', false]]);
    const copy = await read(docId);
    // One writer (the owner node's single seeding) put the content in: one Yjs client.
    expect(Y.decodeStateVector(Y.encodeStateVector(copy)).size).toBe(1);
    expect((await backend.index.get(docId))?.seeded).toBe(true);
  });

  it('[18] a document that has content but no index entry cannot be claimed by anyone; it stays as it was', async () => {
    const { backend } = setup();
    const docId = fresh('doc-orphan');
    const { url } = await cluster.ownerOf(docId);
    const writer = new RawClient(url, docId);
    await writer.opened();
    await writer.waitSynced();
    writer.type('written behind the web app');
    await writer.waitAcked();
    writer.close();
    for (const presented of [undefined, 'AAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBB']) {
      const refused = await openDocument(backend, docId, { presented });
      expect((refused as Response).status).toBe(409);
    }
    expect(await backend.index.get(docId)).toBeNull();
    expect((await meta.nodes.call(docId, 'links')).body).toEqual({ links: [] });
    expect((await read(docId)).getText('text').toString()).toBe('written behind the web app');
  });
});
