import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicketSigner, generateTicketKeys } from '../../server/auth/ticket.ts';
import { createSilentLogger } from '../../server/log.ts';
import { CloseCode, type Permission } from '../../server/protocol/index.ts';
import { addThread, commentsRoomOf, readThreads } from '../../web/lib/comments/threads.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { liveLink } from '../harness/links.ts';
import { waitFor } from '../harness/node-process.ts';
import { countingMux, type RoomClient, roomOf } from '../harness/room-client.ts';

/**
 * Each room of a shared socket is authorised on its own (PROTOCOL.md R3, P21) on a cluster
 * that requires tickets: the document with an edit ticket and its comments with a view ticket
 * share one socket; the node keeps the view room's writes out (a view-only link reads comments
 * but cannot write them) while the edit room on the same socket saves; a room without a valid
 * ticket is closed alone.
 */

const keys = generateTicketKeys();
let cluster: Cluster;
let keyDir: string | undefined;
let signer: Awaited<ReturnType<typeof createTicketSigner>>;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  signer = await createTicketSigner({ privateKey: keys.privateKey });
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-rooms-keys-'));
  const keyFile = path.join(keyDir, 'ticket-public.pem');
  await writeFile(keyFile, keys.publicKey);
  cluster = await startCluster({ nodes: 2, nodeArgs: ['--ticket-public-key', keyFile] });
}, 90_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await cluster?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
}, 60_000);

const grant = (docId: string, perm: Permission) => async () => {
  const { ticket } = await signer.sign({
    docId,
    perm,
    linkId: await liveLink(cluster, docId, perm, createSilentLogger()),
  });
  return { ticket, perm, expiresAt: Date.now() + 60_000 };
};

describe('rooms over one socket with access control (R3, P21)', () => {
  it('[C9][R3][P21] edit document and view-only comments share a socket; the node refuses the view room its comment', async () => {
    const docId = `rooms-acl-${Date.now().toString(36)}`;
    const { owner, url } = await cluster.ownerOf(docId);
    expect(owner).toBeTruthy();
    const { mux, opened } = countingMux();
    const track = (c: RoomClient) => {
      cleanups.push(() => c.stop());
      return c;
    };
    // A writer of the comments room on a socket of its own, with an edit ticket.
    const writer = track(
      roomOf(countingMux().mux, commentsRoomOf(docId), url, { tickets: grant(docId, 'edit') }),
    );
    // The view link's page: document (view) and comments (view), one socket.
    const viewDoc = track(roomOf(mux, docId, url, { tickets: grant(docId, 'view') }));
    const viewComments = track(
      roomOf(mux, commentsRoomOf(docId), url, { tickets: grant(docId, 'view') }),
    );
    // An edit page's document room on the same socket: its writes are saved.
    const editDoc = track(roomOf(mux, docId, url, { tickets: grant(docId, 'edit') }));
    await waitFor(
      'every room synced',
      () => [writer, viewDoc, viewComments, editDoc].every((r) => r.synced()),
      30_000,
    );
    expect(opened).toEqual([`${url}/rooms`]);
    expect(viewComments.connection.state.permission).toBe('view');
    expect(editDoc.connection.state.permission).toBe('edit');

    // The edit-ticket writer's comment reaches the view room.
    addThread(writer.doc, 't-edit', 'quote', {
      id: 'c1',
      author: 'Alice',
      text: 'From an edit link',
      createdAt: 1,
    });
    await waitFor(
      'the view room reads the thread',
      () => readThreads(viewComments.doc).some((t) => t.id === 't-edit'),
      20_000,
    );

    // The view room writes a comment anyway (a modified client): the node keeps it out.
    addThread(viewComments.doc, 't-view', 'quote', {
      id: 'c2',
      author: 'Mallory',
      text: 'From a view link',
      createdAt: 2,
    });
    editDoc.doc.getText('t').insert(0, 'saved ');
    await waitFor('the edit room saved its change', () => editDoc.saved(), 20_000);
    await waitFor('the writer sees the edit', () => viewDoc.text().includes('saved'), 20_000);
    // A fresh reader of the comments has the edit link's thread and not the view link's.
    const reader = track(
      roomOf(countingMux().mux, commentsRoomOf(docId), url, { tickets: grant(docId, 'edit') }),
    );
    await waitFor('a fresh reader synced', () => reader.synced(), 20_000);
    expect(readThreads(reader.doc).map((t) => t.id)).toEqual(['t-edit']);
    expect(readThreads(writer.doc).map((t) => t.id)).toEqual(['t-edit']);
    expect(viewComments.acked()).toBe(0);
    expect(editDoc.ended).toEqual([]);
    expect(viewDoc.ended).toEqual([]);
  }, 120_000);

  it('[R4][P21] a room with a forged ticket is closed alone (4401); the others on the socket stay', async () => {
    const docId = `rooms-forged-${Date.now().toString(36)}`;
    const { url } = await cluster.ownerOf(docId);
    const { mux, opened } = countingMux();
    const good = roomOf(mux, docId, url, { tickets: grant(docId, 'edit') });
    cleanups.push(() => good.stop());
    await waitFor('the good room synced', () => good.synced(), 30_000);
    const forged = roomOf(mux, commentsRoomOf(docId), url, {
      tickets: async () => ({
        ticket: 'aaa.bbb.ccc',
        perm: 'edit',
        expiresAt: Date.now() + 60_000,
      }),
    });
    cleanups.push(() => forged.stop());
    await waitFor(
      'the forged room refused',
      () => forged.closes.includes(CloseCode.UNAUTHORIZED),
      20_000,
    );
    good.doc.getText('t').insert(0, 'still here ');
    await waitFor('the good room still saves', () => good.saved(), 20_000);
    expect(good.ended).toEqual([]);
    expect(opened).toEqual([`${url}/rooms`]);
  }, 60_000);
});
