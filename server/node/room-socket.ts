import type { Connection } from '../documents/connection.ts';
import { VirtualConnection } from '../documents/virtual-connection.ts';
import {
  CloseCode,
  closeReason,
  decodeRoomsClientMessage,
  encodeRoomClosed,
  encodeRoomFrame,
  MAX_ROOMS_PER_SOCKET,
  ProtocolError,
  type RoomsInbound,
} from '../protocol/index.ts';
import type { SocketHandler } from '../transport/transport.ts';

export interface RoomSocketOptions {
  /** The WebSocket the client opened on `/rooms`. */
  readonly conn: Connection;
  readonly nextConnectionId: () => number;
  /**
   * Admits one room as a session over `room` (a virtual connection whose frames are ringdoc
   * server frames) for the P6 `path` the client opened it with; returns its handler.
   */
  readonly open: (room: Connection, path: string) => SocketHandler;
  /** Rooms open at once (default {@link MAX_ROOMS_PER_SOCKET}, R6). */
  readonly maxRooms?: number;
}

interface Entry {
  readonly room: VirtualConnection;
  handler: SocketHandler;
}

/** Room numbers the node closed whose late frames are dropped; the oldest are forgotten past this. */
const MAX_ENDED = 1024;

/**
 * One rooms socket (PROTOCOL.md §2d, R1–R8; DESIGN C9): each room is a session of its own behind
 * a virtual connection, opened, authorised (its own TICKET), routed, redirected and closed on
 * its own. Room frames lose their number on the way in and gain it on the way out; a session's
 * close becomes CLOSED for its room and the socket stays. Protocol faults of the socket itself
 * (malformed message, a room opened twice, a frame for a room never opened) close the socket
 * with 4400.
 */
export function createRoomSocket(options: RoomSocketOptions): SocketHandler {
  const { conn } = options;
  const maxRooms = options.maxRooms ?? MAX_ROOMS_PER_SOCKET;
  const rooms = new Map<number, Entry>();
  /** Rooms the node closed (CLOSED sent): their frames in flight are dropped, not faults. */
  const ended = new Set<number>();

  const fail = (reason: string) => {
    conn.close(CloseCode.BAD_REQUEST, closeReason(CloseCode.BAD_REQUEST, reason));
  };

  const endedByNode = (number: number) => {
    ended.add(number);
    if (ended.size > MAX_ENDED) {
      const oldest = ended.values().next().value;
      if (oldest !== undefined) ended.delete(oldest);
    }
  };

  const open = (number: number, path: string) => {
    if (rooms.has(number)) {
      fail(`room ${number} is already open`);
      return;
    }
    ended.delete(number);
    if (rooms.size >= maxRooms) {
      endedByNode(number);
      conn.send(
        encodeRoomClosed(
          number,
          CloseCode.BAD_REQUEST,
          `too many rooms on one socket (at most ${maxRooms})`,
        ),
      );
      return;
    }
    let entry: Entry | undefined;
    let closedWith: number | null = null;
    const room = new VirtualConnection(options.nextConnectionId(), {
      send: (frame) => conn.send(encodeRoomFrame(number, frame)),
      close: (code, reason) => {
        closedWith = code;
        if (entry && rooms.get(number) === entry) {
          rooms.delete(number);
          entry.handler.close(code);
        }
        endedByNode(number);
        if (!conn.closed) conn.send(encodeRoomClosed(number, code, reason));
      },
    });
    const created: Entry = { room, handler: { message: () => {}, close: () => {} } };
    entry = created;
    rooms.set(number, created);
    created.handler = options.open(room, path);
    // Refused while opening (bad path, version gate, node unavailable): CLOSED is sent; the
    // session's handler (returned only now) still hears the close, so it leaves the tables.
    if (room.closed && closedWith !== null) {
      if (rooms.get(number) === created) rooms.delete(number);
      created.handler.close(closedWith);
    }
  };

  const handle = (message: RoomsInbound) => {
    switch (message.kind) {
      case 'open':
        open(message.room, message.path);
        return;
      case 'close': {
        const entry = rooms.get(message.room);
        if (!entry) return;
        rooms.delete(message.room);
        entry.room.closed = true;
        entry.handler.close(CloseCode.NORMAL);
        return;
      }
      case 'frame': {
        const entry = rooms.get(message.room);
        if (entry) {
          entry.handler.message(message.frame);
          return;
        }
        if (!ended.has(message.room)) fail(`malformed frame: room ${message.room} is not open`);
      }
    }
  };

  return {
    message(bytes) {
      let message: RoomsInbound;
      try {
        message = decodeRoomsClientMessage(bytes);
      } catch (error) {
        fail(error instanceof ProtocolError ? error.reason : 'malformed frame');
        return;
      }
      handle(message);
    },
    close(code) {
      for (const [number, entry] of [...rooms]) {
        rooms.delete(number);
        entry.room.closed = true;
        entry.handler.close(code);
      }
    },
  };
}
