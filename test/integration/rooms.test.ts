import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RoomMux } from '../../client/index.ts';
import {
  decodeRoomsServerMessage,
  decodeServerFrame,
  encodeRoomClose,
  encodeRoomFrame,
  encodeRoomOpen,
  encodeSyncStep1,
  type RoomsOutbound,
} from '../../server/protocol/index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { SimEditor } from '../harness/editor.ts';
import { waitFor } from '../harness/node-process.ts';
import { docOwnedBy } from '../harness/owned-doc.ts';
import { countingMux, type RoomClient, roomOf } from '../harness/room-client.ts';

/**
 * Many rooms over one socket with ringdoc's own protocol (PROTOCOL.md §2d, DESIGN C9) against a
 * real cluster (etcd + three node processes): the client library's room multiplexer carries
 * rooms owned by three different nodes over one socket, each syncing, closing and being
 * redirected on its own; bad room messages get clear errors.
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

function room(mux: RoomMux, docId: string, base: string, follow = true): RoomClient {
  const client = roomOf(mux, docId, base, { follow });
  cleanups.push(() => client.stop());
  return client;
}

function editorOf(docId: string, name: string): SimEditor {
  const editor = new SimEditor(docId, name, { nodeUrls: () => cluster.nodes.map((n) => n.url) });
  editor.start();
  cleanups.push(() => editor.stop());
  return editor;
}

const has = (text: string, token: string) => text.split(' ').includes(token);

describe('many rooms over one socket (C9)', () => {
  it('[C9][R3][R5] one socket, three rooms owned by three nodes: each syncs; closing one leaves the others', async () => {
    const docs = [
      docOwnedBy('n1', 'rooms-a'),
      docOwnedBy('n2', 'rooms-b'),
      docOwnedBy('n3', 'rooms-c'),
    ];
    for (const [i, docId] of docs.entries()) {
      expect((await cluster.ownerOf(docId)).owner).toBe(`n${i + 1}`);
    }
    const { mux, opened } = countingMux();
    const n1 = cluster.node('n1').url;
    // Forwarded (follow=0): every room stays on the socket to n1 whoever owns it.
    const rooms = docs.map((docId) => room(mux, docId, n1, false));
    const others = docs.map((docId, i) => editorOf(docId, `e${i}`));
    await waitFor('every room synced', () => rooms.every((r) => r.synced()), 30_000);
    await waitFor('every second editor synced', () => others.every((e) => e.connected), 30_000);
    expect(opened).toEqual([`${n1}/rooms`]);

    for (const [i, room] of rooms.entries()) room.doc.getText('t').insert(0, `room${i} `);
    const typed = others.map((e) => e.type());
    await waitFor(
      'each room and its second editor converge',
      () =>
        rooms.every(
          (room, i) =>
            has(room.text(), typed[i]!) &&
            has(others[i]!.text(), `room${i}`) &&
            room.text() === others[i]!.text(),
        ),
      30_000,
    );

    // Room 2 is closed by its client; rooms 1 and 3 keep their sessions and keep syncing.
    rooms[1]!.connection.disconnect('done');
    await waitFor('room 2 ended', () => rooms[1]!.ended.length === 1, 10_000);
    const later = [others[0]!.type(), others[2]!.type()];
    rooms[0]!.doc.getText('t').insert(0, 'again0 ');
    rooms[2]!.doc.getText('t').insert(0, 'again2 ');
    await waitFor(
      'the other rooms still sync both ways',
      () =>
        has(rooms[0]!.text(), later[0]!) &&
        has(rooms[2]!.text(), later[1]!) &&
        has(others[0]!.text(), 'again0') &&
        has(others[2]!.text(), 'again2'),
      30_000,
    );
    expect(rooms[0]!.ended).toEqual([]);
    expect(rooms[2]!.ended).toEqual([]);
    expect(opened).toHaveLength(1);
    expect(mux.sockets()).toBe(1);
  }, 120_000);

  it('[C9][R5] a room redirected to its owner gets a second socket to that owner; the other rooms are undisturbed', async () => {
    const local = docOwnedBy('n1', 'rooms-l');
    const remote = docOwnedBy('n2', 'rooms-r');
    const { mux, opened } = countingMux();
    const n1 = cluster.node('n1').url;
    const stay = room(mux, local, n1);
    const stayComments = room(mux, `${local}/comments`, n1);
    const moved = room(mux, remote, n1);
    await waitFor(
      'every room synced',
      () => [stay, stayComments, moved].every((r) => r.synced()),
      30_000,
    );
    expect(moved.nodes.at(-1)).toBe('n2');
    expect(opened).toEqual([`${n1}/rooms`, `${cluster.node('n2').url}/rooms`]);
    expect(stay.ended).toEqual([]);
    expect(stayComments.ended).toEqual([]);
    expect(stay.nodes).toEqual(['n1']);
  }, 60_000);

  it('[R6][R7][R4][P22] bad room messages get clear errors; room opens are metered', async () => {
    const url = `${cluster.node('n1').url}/rooms`;
    const raw = async () => {
      const socket = new WebSocket(url);
      const messages: RoomsOutbound[] = [];
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      socket.on('message', (data) =>
        messages.push(decodeRoomsServerMessage(new Uint8Array(data as Buffer))),
      );
      await new Promise((resolve) => socket.on('open', resolve));
      cleanups.push(() => socket.terminate());
      return { socket, messages, closed };
    };
    const docId = docOwnedBy('n1', 'rooms-bad');

    const unknown = await raw();
    unknown.socket.send(encodeRoomFrame(9, encodeSyncStep1(new Uint8Array([0]))));
    expect(await unknown.closed).toEqual({
      code: 4400,
      reason: 'malformed frame: room 9 is not open',
    });

    const twice = await raw();
    twice.socket.send(encodeRoomOpen(1, `/doc/${docId}?proto=1`));
    twice.socket.send(encodeRoomOpen(1, `/doc/${docId}?proto=1`));
    expect(await twice.closed).toEqual({ code: 4400, reason: 'room 1 is already open' });

    const many = await raw();
    for (let room = 1; room <= 17; room++)
      many.socket.send(encodeRoomOpen(room, `/doc/${docId}/r${room}?proto=1`));
    const hellos = () =>
      many.messages.filter((m) => m.kind === 'frame' && decodeServerFrame(m.frame).type === 'hello')
        .length;
    await waitFor(
      'the first 16 rooms greeted, the 17th refused',
      () => hellos() === 16 && many.messages.some((m) => m.kind === 'closed' && m.room === 17),
      30_000,
    );
    // Room 1 closed by the client frees a place; a bad path there is refused with its reason.
    many.socket.send(encodeRoomClose(1));
    many.socket.send(encodeRoomOpen(18, '/doc/../x?proto=1'));
    await waitFor(
      'room 18 refused',
      () => many.messages.some((m) => m.kind === 'closed' && m.room === 18),
      30_000,
    );
    const closedRooms = many.messages.filter((m) => m.kind === 'closed');
    expect(closedRooms).toEqual([
      { kind: 'closed', room: 17, code: 4400, reason: 'too many rooms on one socket (at most 16)' },
      expect.objectContaining({
        kind: 'closed',
        room: 18,
        code: 4400,
        reason: expect.stringMatching(/^bad doc id/),
      }),
    ]);
    expect(many.socket.readyState).toBe(WebSocket.OPEN);

    // Opening rooms is metered like opening sockets (R6, P22): re-opening one room again and
    // again from a metered address runs into the per-address connection limit (4529), room by
    // room; the socket stays.
    const churn = new WebSocket(url, { localAddress: '127.1.9.9' });
    const churned: RoomsOutbound[] = [];
    churn.on('message', (data) =>
      churned.push(decodeRoomsServerMessage(new Uint8Array(data as Buffer))),
    );
    await new Promise((resolve) => churn.on('open', resolve));
    cleanups.push(() => churn.terminate());
    for (let i = 0; i < 80; i++) {
      churn.send(encodeRoomOpen(1, `/doc/${docId}/churn?proto=1`));
      churn.send(encodeRoomClose(1));
    }
    await waitFor(
      'a re-open refused for its rate',
      () => churned.some((m) => m.kind === 'closed' && m.code === 4529),
      30_000,
    );
    const limited = churned.find((m) => m.kind === 'closed' && m.code === 4529);
    expect(limited).toMatchObject({
      reason: expect.stringMatching(/too many connection attempts/),
    });
    expect(churn.readyState).toBe(WebSocket.OPEN);
  }, 60_000);
});
