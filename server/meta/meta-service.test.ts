import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Room } from '../documents/room.ts';
import { createSilentLogger } from '../log.ts';
import { addLink, readDocMeta, readLink, revokeLink } from './meta-doc.ts';
import { createMetaService } from './meta-service.ts';

const HASH = 'a'.repeat(64);

/** Rooms as bare Y.Docs (the service uses `doc` and `durable()` only). */
function fakeRooms() {
  const docs = new Map<string, Y.Doc>();
  const doc = (id: string) => {
    let d = docs.get(id);
    if (!d) {
      d = new Y.Doc();
      docs.set(id, d);
    }
    return d;
  };
  const acquire = async (id: string) =>
    ({ doc: doc(id), durable: async () => {} }) as unknown as Room;
  return { doc, acquire };
}

function service(options: { owner?: boolean } = {}) {
  const rooms = fakeRooms();
  const revoked: string[] = [];
  let t = 1000;
  const meta = createMetaService({
    acquire: rooms.acquire,
    canWrite: () => options.owner ?? true,
    ownerOf: () => ({ owner: 'n2', url: 'http://127.0.0.1:2' }),
    onRevoked: (id) => revoked.push(id),
    log: createSilentLogger(),
    now: () => ++t,
  });
  return { meta, rooms, revoked };
}

const content = (text: string) => {
  const d = new Y.Doc();
  d.getText('text').insert(0, text);
  return Buffer.from(Y.encodeStateAsUpdate(d)).toString('base64');
};

describe('document metadata on the owner (PROTOCOL K1–K5)', () => {
  it('[K2] ensure creates the entry, the owner link and the content once, however many callers race', async () => {
    const { meta, rooms } = service();
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        meta.handle('doc-a', 'ensure', {
          title: 'Plans',
          content: content('Plans'),
          ownerLink: { id: `owner-link-${i}`, secretHash: HASH },
        }),
      ),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(replies.filter((r) => r.body.created === true)).toHaveLength(1);
    expect(rooms.doc('doc-a').getText('text').toString()).toBe('Plans');
    const links = (await meta.handle('doc-a', 'links', {})).body.links as unknown[];
    expect(links).toHaveLength(1);
    expect(readDocMeta(rooms.doc('doc-a/meta'), 'doc-a')).toMatchObject({
      title: 'Plans',
      seeded: true,
      deletedAt: null,
    });
  });

  it('[K2][18] content without an entry is not claimable (409, nothing written); an operator may adopt it', async () => {
    const { meta, rooms } = service();
    rooms.doc('doc-b').getText('text').insert(0, 'written by a stock client');
    const refused = await meta.handle('doc-b', 'ensure', {
      title: 'Mine now',
      ownerLink: { id: 'thief-link-1', secretHash: HASH },
    });
    expect(refused.status).toBe(409);
    expect(readDocMeta(rooms.doc('doc-b/meta'), 'doc-b')).toBeNull();
    expect((await meta.handle('doc-b', 'links', {})).body.links).toEqual([]);
    expect((await meta.handle('doc-b', 'ensure', { adopt: true })).status).toBe(201);
    expect(rooms.doc('doc-b').getText('text').toString()).toBe('written by a stock client');
  });

  it('[K3] a revoked link stays revoked: tombstone kept, a second revoke keeps the first time, onRevoked closes its sockets', async () => {
    const { meta, revoked } = service();
    await meta.handle('doc-c', 'ensure', { title: 'C' });
    expect(
      (
        await meta.handle('doc-c', 'link.create', {
          id: 'link-c-0001',
          perm: 'edit',
          secretHash: HASH,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await meta.handle('doc-c', 'link.create', {
          id: 'link-c-0001',
          perm: 'view',
          secretHash: HASH,
        })
      ).status,
    ).toBe(409);
    const first = await meta.handle('doc-c', 'link.revoke', { id: 'link-c-0001' });
    const second = await meta.handle('doc-c', 'link.revoke', { id: 'link-c-0001' });
    expect(first.body.link).toMatchObject({ revoked: true, perm: 'edit' });
    expect((second.body.link as { revokedAt: number }).revokedAt).toBe(
      (first.body.link as { revokedAt: number }).revokedAt,
    );
    expect(revoked).toEqual(['link-c-0001', 'link-c-0001']);
    expect(await meta.link('doc-c', 'link-c-0001')).toMatchObject({ revoked: true });
    expect((await meta.handle('doc-c', 'link.revoke', { id: 'link-none-01' })).body).toEqual({
      link: null,
    });
  });

  it('[K3] a revocation survives a concurrent rewrite of the same link on another copy (CRDT merge)', () => {
    const a = new Y.Doc();
    addLink(a, { id: 'link-x-0001', perm: 'edit', created: 1, secretHash: HASH }, null);
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    revokeLink(a, 'link-x-0001', 5, null);
    addLink(b, { id: 'link-x-0001', perm: 'owner', created: 2, secretHash: HASH }, null);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(readLink(a, 'doc', 'link-x-0001')?.revoked).toBe(true);
    expect(readLink(b, 'doc', 'link-x-0001')?.revoked).toBe(true);
  });

  it('bad input gets a clear 400 and changes nothing; a node that does not own the document answers 421 with the owner', async () => {
    const { meta, rooms } = service();
    await meta.handle('doc-d', 'ensure', { title: 'D' });
    const before = Y.encodeStateAsUpdate(rooms.doc('doc-d/meta'));
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['rename', { title: 'x'.repeat(201) }, /title/],
      ['rename', { title: 5 }, /title/],
      ['link.create', { id: 'bad id!', perm: 'edit', secretHash: HASH }, /id/],
      ['link.create', { id: 'link-d-0001', perm: 'admin', secretHash: HASH }, /perm/],
      ['link.create', { id: 'link-d-0001', perm: 'edit', secretHash: 'x' }, /secretHash/],
      ['ensure', { content: '%%%' }, /content/],
      ['ensure', { ownerLink: 'yes' }, /ownerLink/],
      ['drop-everything', {}, /unknown operation/],
    ];
    for (const [op, args, why] of cases) {
      const reply = await meta.handle('doc-d', op, args);
      expect(reply.status, op).toBe(400);
      expect(String(reply.body.error)).toMatch(why);
    }
    expect(Y.encodeStateAsUpdate(rooms.doc('doc-d/meta'))).toEqual(before);
    const elsewhere = service({ owner: false });
    expect(await elsewhere.meta.handle('doc-d', 'get', {})).toEqual({
      status: 421,
      body: { error: 'not the owner of this document', owner: 'n2', url: 'http://127.0.0.1:2' },
    });
  });

  it('[K1] rename, touch and remove change the entry; the entries of owned documents are listed', async () => {
    const { meta } = service();
    await meta.handle('doc-e', 'ensure', { title: 'E' });
    expect((await meta.handle('doc-e', 'rename', { title: 'E2' })).body.doc).toMatchObject({
      title: 'E2',
    });
    const touched = (await meta.handle('doc-e', 'touch', {})).body.doc as { edited: number };
    expect(touched.edited).toBeGreaterThan(0);
    expect((await meta.handle('doc-e', 'remove', {})).body.doc).toMatchObject({
      deletedAt: expect.any(Number),
    });
    expect((await meta.handle('doc-none', 'rename', { title: 'x' })).body).toEqual({ doc: null });
    expect((await meta.entries(['doc-e', 'doc-none'])).map((d) => d.id)).toEqual(['doc-e']);
  });
});
