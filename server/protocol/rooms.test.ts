import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.ts';
import { encodeSyncStep1 } from './frame.ts';
import {
  decodeRoomsClientMessage,
  decodeRoomsServerMessage,
  encodeRoomClose,
  encodeRoomClosed,
  encodeRoomFrame,
  encodeRoomOpen,
  isRoomsPath,
} from './rooms.ts';

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).reason;
  }
  throw new Error('did not throw');
};

describe('rooms framing (R1, R2)', () => {
  it('[R1] /rooms with any query, nothing else', () => {
    expect(isRoomsPath('/rooms')).toBe(true);
    expect(isRoomsPath('/rooms?x=1')).toBe(true);
    expect(isRoomsPath('/roomsx')).toBe(false);
    expect(isRoomsPath('/doc/rooms')).toBe(false);
  });

  it('[R2] a room frame is the room number then the ringdoc frame, unchanged, both ways', () => {
    const frame = encodeSyncStep1(new Uint8Array([1, 2, 3]));
    for (const room of [1, 127, 128, 300, 2 ** 40]) {
      const bytes = encodeRoomFrame(room, frame);
      const inbound = decodeRoomsClientMessage(bytes);
      expect(inbound).toEqual({ kind: 'frame', room, frame });
      expect(decodeRoomsServerMessage(bytes)).toEqual({ kind: 'frame', room, frame });
    }
    expect([...encodeRoomFrame(3, frame)]).toEqual([3, ...frame]);
  });

  it('[R2] OPEN, CLOSE and CLOSED round-trip with their documented bytes', () => {
    const open = encodeRoomOpen(2, '/doc/a?proto=1');
    expect([...open.subarray(0, 4)]).toEqual([0, 0, 2, 14]);
    expect(decodeRoomsClientMessage(open)).toEqual({
      kind: 'open',
      room: 2,
      path: '/doc/a?proto=1',
    });
    expect([...encodeRoomClose(5)]).toEqual([0, 1, 5]);
    expect(decodeRoomsClientMessage(encodeRoomClose(5))).toEqual({ kind: 'close', room: 5 });
    const closed = encodeRoomClosed(4, 4403, 'read-only');
    expect([...closed.subarray(0, 5)]).toEqual([0, 2, 4, 0xb3, 0x22]);
    expect(decodeRoomsServerMessage(closed)).toEqual({
      kind: 'closed',
      room: 4,
      code: 4403,
      reason: 'read-only',
    });
  });

  it('[R2] malformed messages are 4400 errors that name the problem', () => {
    expect(reasonOf(() => decodeRoomsClientMessage(new Uint8Array([])))).toMatch(
      /truncated varint in room number/,
    );
    expect(reasonOf(() => decodeRoomsClientMessage(new Uint8Array([7])))).toMatch(
      /empty frame for room 7/,
    );
    expect(reasonOf(() => decodeRoomsClientMessage(new Uint8Array([0, 9, 1])))).toMatch(
      /unknown room control kind 9/,
    );
    expect(reasonOf(() => decodeRoomsClientMessage(new Uint8Array([0, 0, 0, 0])))).toMatch(
      /room 0 is the control room/,
    );
    expect(reasonOf(() => decodeRoomsClientMessage(new Uint8Array([0, 1, 2, 9])))).toMatch(
      /trailing bytes after room close/,
    );
    expect(reasonOf(() => decodeRoomsClientMessage(new Uint8Array([0, 0, 1, 5, 0x61])))).toMatch(
      /length prefix 5/,
    );
    expect(reasonOf(() => decodeRoomsClientMessage(new Uint8Array([0x81, 0x00, 1])))).toMatch(
      /non-minimal varint/,
    );
    // CLOSED is node → client only.
    expect(reasonOf(() => decodeRoomsClientMessage(encodeRoomClosed(1, 4400, 'x')))).toMatch(
      /unknown room control kind 2 from a client/,
    );
    expect(reasonOf(() => decodeRoomsServerMessage(encodeRoomOpen(1, '/doc/a')))).toMatch(
      /unknown room control kind 0 from a node/,
    );
  });

  it('[R2] encoders refuse room 0 and close codes a client would reject', () => {
    expect(() => encodeRoomFrame(0, new Uint8Array([0]))).toThrow(RangeError);
    expect(() => encodeRoomOpen(-1, '/doc/a')).toThrow(RangeError);
    expect(() => encodeRoomClosed(1, 999, 'x')).toThrow(RangeError);
  });
});
