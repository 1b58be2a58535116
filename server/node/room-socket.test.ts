import { describe, expect, it } from 'vitest';
import type { Connection } from '../documents/connection.ts';
import {
  decodeRoomsServerMessage,
  encodeAck,
  encodeRoomClose,
  encodeRoomFrame,
  encodeRoomOpen,
  encodeSyncStep1,
} from '../protocol/index.ts';
import { createRoomSocket } from './room-socket.ts';

/** A fake client socket and a fake admission that records each room's session. */
function setup(maxRooms?: number) {
  const sent: Uint8Array[] = [];
  let closedWith: { code: number; reason: string } | null = null;
  const conn: Connection = {
    id: 1,
    get closed() {
      return closedWith !== null;
    },
    send: (frame) => sent.push(frame),
    close: (code, reason) => {
      closedWith = { code, reason };
    },
    cork: (fn) => fn(),
  };
  const sessions = new Map<string, { room: Connection; frames: Uint8Array[]; closes: number[] }>();
  let ids = 10;
  const handler = createRoomSocket({
    conn,
    nextConnectionId: () => ids++,
    ...(maxRooms ? { maxRooms } : {}),
    open(room, path) {
      const session = { room, frames: [] as Uint8Array[], closes: [] as number[] };
      sessions.set(path, session);
      if (path.includes('refuse')) room.close(4400, 'bad doc id: refused');
      return {
        message: (frame) => session.frames.push(frame),
        close: (code) => session.closes.push(code),
      };
    },
  });
  return {
    handler,
    sessions,
    messages: () => sent.map((bytes) => decodeRoomsServerMessage(bytes)),
    closedWith: () => closedWith,
  };
}

const step1 = encodeSyncStep1(new Uint8Array([0]));

describe('rooms socket (R3–R7)', () => {
  it('[R3] each room is a session of its own: frames in and out carry the room number', () => {
    const t = setup();
    t.handler.message(encodeRoomOpen(1, '/doc/a?proto=1'));
    t.handler.message(encodeRoomOpen(2, '/doc/a/comments?proto=1'));
    t.handler.message(encodeRoomFrame(2, step1));
    expect(t.sessions.get('/doc/a/comments?proto=1')?.frames).toEqual([step1]);
    expect(t.sessions.get('/doc/a?proto=1')?.frames).toEqual([]);
    t.sessions.get('/doc/a?proto=1')?.room.send(encodeAck(3));
    expect(t.messages()).toEqual([{ kind: 'frame', room: 1, frame: encodeAck(3) }]);
  });

  it('[R5] a room closed by the node becomes CLOSED for that room; the socket and other rooms stay', () => {
    const t = setup();
    t.handler.message(encodeRoomOpen(1, '/doc/a?proto=1'));
    t.handler.message(encodeRoomOpen(2, '/doc/b?proto=1'));
    t.sessions.get('/doc/a?proto=1')?.room.close(4300, 'redirect to n2');
    expect(t.messages()).toEqual([
      { kind: 'closed', room: 1, code: 4300, reason: 'redirect to n2' },
    ]);
    // A frame of room 1 already in flight is dropped, not a fault.
    t.handler.message(encodeRoomFrame(1, step1));
    t.handler.message(encodeRoomFrame(2, step1));
    expect(t.sessions.get('/doc/b?proto=1')?.frames).toEqual([step1]);
    expect(t.closedWith()).toBeNull();
    // The number can be opened again.
    t.handler.message(encodeRoomOpen(1, '/doc/a?proto=1&epoch=3'));
    expect(t.sessions.has('/doc/a?proto=1&epoch=3')).toBe(true);
  });

  it('[R5] CLOSE from the client ends that session quietly', () => {
    const t = setup();
    t.handler.message(encodeRoomOpen(1, '/doc/a?proto=1'));
    t.handler.message(encodeRoomClose(1));
    expect(t.sessions.get('/doc/a?proto=1')?.closes).toEqual([1000]);
    expect(t.messages()).toEqual([]);
  });

  it('[R4] a room refused while opening (bad path) gets CLOSED with the reason', () => {
    const t = setup();
    t.handler.message(encodeRoomOpen(4, '/doc/refuse'));
    expect(t.messages()).toEqual([
      { kind: 'closed', room: 4, code: 4400, reason: 'bad doc id: refused' },
    ]);
    // The refused session's handler hears its close (it leaves the node's session table).
    expect(t.sessions.get('/doc/refuse')?.closes).toEqual([4400]);
    t.handler.message(encodeRoomOpen(4, '/doc/ok'));
    expect(t.closedWith()).toBeNull();
  });

  it('[R6] too many rooms: that room is refused with 4400, the socket stays', () => {
    const t = setup(2);
    t.handler.message(encodeRoomOpen(1, '/doc/a'));
    t.handler.message(encodeRoomOpen(2, '/doc/b'));
    t.handler.message(encodeRoomOpen(3, '/doc/c'));
    expect(t.messages()).toEqual([
      { kind: 'closed', room: 3, code: 4400, reason: 'too many rooms on one socket (at most 2)' },
    ]);
    expect(t.sessions.has('/doc/c')).toBe(false);
    expect(t.closedWith()).toBeNull();
  });

  it('[R7] a room opened twice, a frame for a room never opened and a malformed message close the socket with 4400', () => {
    const twice = setup();
    twice.handler.message(encodeRoomOpen(1, '/doc/a'));
    twice.handler.message(encodeRoomOpen(1, '/doc/b'));
    expect(twice.closedWith()).toEqual({ code: 4400, reason: 'room 1 is already open' });

    const unknown = setup();
    unknown.handler.message(encodeRoomFrame(7, step1));
    expect(unknown.closedWith()).toEqual({
      code: 4400,
      reason: 'malformed frame: room 7 is not open',
    });

    const garbage = setup();
    garbage.handler.message(new Uint8Array([0, 9]));
    expect(garbage.closedWith()?.reason).toMatch(/unknown room control kind 9/);
  });

  it('[R8] the socket closing ends every room', () => {
    const t = setup();
    t.handler.message(encodeRoomOpen(1, '/doc/a'));
    t.handler.message(encodeRoomOpen(2, '/doc/b'));
    t.handler.close(1006);
    expect(t.sessions.get('/doc/a')?.closes).toEqual([1006]);
    expect(t.sessions.get('/doc/b')?.closes).toEqual([1006]);
  });
});
