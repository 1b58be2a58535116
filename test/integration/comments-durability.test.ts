import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRing } from '../../ring/core/ring.ts';
import { addThread, commentsRoomOf, readThreads, reply } from '../../web/lib/comments/threads.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { waitFor } from '../harness/node-process.ts';
import { countingMux, type RoomClient, roomOf } from '../harness/room-client.ts';

/**
 * Comments live in the document's sub-room `<docId>/comments`, routed with the document (R3,
 * P7): they move, replicate and survive crashes with it, like `<docId>/versions`. A writer
 * saves a comment (acknowledged = durable, P10); fresh readers — the page's two rooms over one
 * socket (C9) — find it after kill -9 of the owner, a join that moves the document and a drain.
 */

let cluster: Cluster;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
}, 90_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await cluster?.stop();
}, 60_000);

/** A document owned by `first` among `a` and by `second` among `b` (pure ring, R1). */
function docMovingTo(first: string, a: string[], second: string, b: string[]): string {
  const ringA = createRing(a, { vnodes: 1024 });
  const ringB = createRing(b, { vnodes: 1024 });
  for (let i = 0; i < 100_000; i++) {
    const id = `cmt-${randomBytes(5).toString('hex')}`;
    if (ringA.ownerOf(id) === first && ringB.ownerOf(id) === second) return id;
  }
  throw new Error('no such document id');
}

/** A page's rooms (document + comments) over one socket to the current owner. */
async function page(
  docId: string,
): Promise<{ doc: RoomClient; comments: RoomClient; sockets: string[] }> {
  const { url } = await cluster.ownerOf(docId);
  const { mux, opened } = countingMux();
  const doc = roomOf(mux, docId, url);
  const comments = roomOf(mux, commentsRoomOf(docId), url);
  cleanups.push(() => {
    doc.stop();
    comments.stop();
  });
  await waitFor('both rooms synced', () => doc.synced() && comments.synced(), 30_000);
  return { doc, comments, sockets: opened };
}

async function readerSees(docId: string) {
  const reader = await page(docId);
  const seen = {
    text: reader.doc.text(),
    threads: readThreads(reader.comments.doc).map((t) => ({
      id: t.id,
      comments: t.comments.map((c) => c.text),
    })),
    sockets: reader.sockets.length,
  };
  reader.doc.stop();
  reader.comments.stop();
  return seen;
}

describe('comments move and survive with their document', () => {
  it('[C9][M4][M1][M2] a saved comment survives kill -9 of the owner, a join and a drain', async () => {
    const docId = docMovingTo('n1', ['n1', 'n2', 'n3'], 'n4', ['n2', 'n3', 'n4']);
    expect((await cluster.ownerOf(docId)).owner).toBe('n1');
    const writer = await page(docId);
    writer.doc.doc.getText('t').insert(0, 'commented text');
    addThread(writer.comments.doc, 't1', 'commented', {
      id: 'c1',
      author: 'Alice',
      text: 'first',
      createdAt: 1,
    });
    reply(writer.comments.doc, 't1', { id: 'c2', author: 'Bob', text: 'second', createdAt: 2 });
    await waitFor(
      'document and comments acknowledged',
      () => writer.doc.saved() && writer.comments.saved(),
      20_000,
    );
    writer.doc.stop();
    writer.comments.stop();
    const expected = {
      text: 'commented text',
      threads: [{ id: 't1', comments: ['first', 'second'] }],
      sockets: 1,
    };

    await cluster.node('n1').kill();
    await cluster.waitForRing(['n2', 'n3']);
    expect((await cluster.ownerOf(docId)).owner).not.toBe('n1');
    expect(await readerSees(docId)).toEqual(expected);

    await cluster.addNode('n4');
    await cluster.waitForRing(['n2', 'n3', 'n4']);
    expect((await cluster.ownerOf(docId)).owner).toBe('n4');
    expect(await readerSees(docId)).toEqual(expected);

    const etcd = new Etcd3({ hosts: [cluster.etcd.endpoint] });
    try {
      await etcd
        .put(`${cluster.prefix}control/n4/drain`)
        .value(JSON.stringify({ requestedAt: Date.now() }));
      expect(await cluster.node('n4').exited(60_000)).toBe(0);
    } finally {
      etcd.close();
    }
    await cluster.waitForRing(['n2', 'n3']);
    expect(await readerSees(docId)).toEqual(expected);
  }, 240_000);
});
