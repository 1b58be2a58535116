import { assertVarUint, ByteReader, varUintSize, writeVarUint } from './bytes.ts';
import { malformed } from './errors.ts';

/**
 * Many rooms over one socket (PROTOCOL.md §2d, R1–R8; DESIGN C9): ringdoc's own multiplexing.
 * A socket on `/rooms` carries several rooms (a document and its sub-rooms, or any documents),
 * each numbered by the client. Every message is `varUint room • body`: room ≥ 1 carries one
 * ringdoc frame (P1) of that room's session unchanged; room 0 carries the socket's control
 * messages (OPEN, CLOSE, CLOSED). Pure encode/decode.
 */
export const ROOMS_PATH = '/rooms';

/** Rooms one socket may have open at once (R6). */
export const MAX_ROOMS_PER_SOCKET = 16;

/** Control kinds on room 0. */
export const RoomControl = {
  /** client → node: `varUint room • varString path` (a P6 `/doc/…` path and query). */
  OPEN: 0,
  /** client → node: `varUint room`. */
  CLOSE: 1,
  /** node → client: `varUint room • varUint code • varString reason`. */
  CLOSED: 2,
} as const;

/** One message on a rooms socket, as the node reads it. */
export type RoomsInbound =
  | { readonly kind: 'open'; readonly room: number; readonly path: string }
  | { readonly kind: 'close'; readonly room: number }
  /** A ringdoc client frame (P1) of `room`, a zero-copy view (not yet decoded). */
  | { readonly kind: 'frame'; readonly room: number; readonly frame: Uint8Array };

/** One message on a rooms socket, as the client reads it. */
export type RoomsOutbound =
  | {
      readonly kind: 'closed';
      readonly room: number;
      readonly code: number;
      readonly reason: string;
    }
  /** A ringdoc server frame (P1) of `room`, a zero-copy view (not yet decoded). */
  | { readonly kind: 'frame'; readonly room: number; readonly frame: Uint8Array };

/** True for the path of rooms sockets (`/rooms`, any query). */
export function isRoomsPath(pathAndQuery: string): boolean {
  return (pathAndQuery.split('?', 1)[0] ?? '') === ROOMS_PATH;
}

/** Decodes a client → node message (R2). Throws `ProtocolError` (4400) when malformed. */
export function decodeRoomsClientMessage(bytes: Uint8Array): RoomsInbound {
  const reader = new ByteReader(bytes);
  const room = reader.varUint('room number');
  if (room !== 0) return { kind: 'frame', room, frame: roomBody(bytes, room) };
  const kind = reader.varUint('room control kind');
  switch (kind) {
    case RoomControl.OPEN: {
      const opened = roomNumber(reader, 'room open');
      const path = reader.varString('room open path');
      reader.end('room open');
      return { kind: 'open', room: opened, path };
    }
    case RoomControl.CLOSE: {
      const closed = roomNumber(reader, 'room close');
      reader.end('room close');
      return { kind: 'close', room: closed };
    }
    default:
      throw malformed(`unknown room control kind ${kind} from a client`);
  }
}

/** Decodes a node → client message (R2). Throws `ProtocolError` (4400) when malformed. */
export function decodeRoomsServerMessage(bytes: Uint8Array): RoomsOutbound {
  const reader = new ByteReader(bytes);
  const room = reader.varUint('room number');
  if (room !== 0) return { kind: 'frame', room, frame: roomBody(bytes, room) };
  const kind = reader.varUint('room control kind');
  if (kind !== RoomControl.CLOSED) throw malformed(`unknown room control kind ${kind} from a node`);
  const closed = roomNumber(reader, 'room closed');
  const code = reader.varUint('room closed code');
  const reason = reader.varString('room closed reason');
  reader.end('room closed');
  if (code < 1000 || code > 4999) throw malformed(`room closed code ${code} out of range`);
  return { kind: 'closed', room: closed, code, reason };
}

/** `room • frame`: one ringdoc frame of a room (either direction). */
export function encodeRoomFrame(room: number, frame: Uint8Array): Uint8Array {
  assertRoom(room);
  const out = new Uint8Array(varUintSize(room) + frame.length);
  out.set(frame, writeVarUint(out, 0, room));
  return out;
}

/** `0 • OPEN • room • path`: opens `room` as a session of the P6 path (`/doc/<id>?…`). */
export function encodeRoomOpen(room: number, path: string): Uint8Array {
  assertRoom(room);
  return control([RoomControl.OPEN, room], [path]);
}

/** `0 • CLOSE • room`: the client is done with `room`. */
export function encodeRoomClose(room: number): Uint8Array {
  assertRoom(room);
  return control([RoomControl.CLOSE, room], []);
}

/** `0 • CLOSED • room • code • reason`: the node ended `room`'s session (the socket stays). */
export function encodeRoomClosed(room: number, code: number, reason: string): Uint8Array {
  assertRoom(room);
  if (!Number.isInteger(code) || code < 1000 || code > 4999) {
    throw new RangeError(`room close code must be 1000–4999, got ${code}`);
  }
  return control([RoomControl.CLOSED, room, code], [reason]);
}

function roomBody(bytes: Uint8Array, room: number): Uint8Array {
  const body = bytes.subarray(varUintSize(room));
  if (body.length === 0) throw malformed(`empty frame for room ${room}`);
  return body;
}

function roomNumber(reader: ByteReader, what: string): number {
  const room = reader.varUint(`${what} room number`);
  if (room === 0) throw malformed(`${what}: room 0 is the control room`);
  return room;
}

function assertRoom(room: number): void {
  assertVarUint(room, 'room number');
  if (room === 0) throw new RangeError('room 0 is the control room');
}

const UTF8 = new TextEncoder();

function control(values: readonly number[], strings: readonly string[]): Uint8Array {
  const encoded = strings.map((s) => UTF8.encode(s));
  let size = 1;
  for (const n of values) size += varUintSize(n);
  for (const s of encoded) size += varUintSize(s.length) + s.length;
  const out = new Uint8Array(size);
  let pos = writeVarUint(out, 0, 0);
  for (const n of values) pos = writeVarUint(out, pos, n);
  for (const s of encoded) {
    pos = writeVarUint(out, pos, s.length);
    out.set(s, pos);
    pos += s.length;
  }
  return out;
}
