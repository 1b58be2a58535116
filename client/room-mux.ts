import {
  decodeRoomsServerMessage,
  encodeRoomClose,
  encodeRoomFrame,
  encodeRoomOpen,
  ROOMS_PATH,
  type RoomsOutbound,
} from '../server/protocol/index.ts';
import type { WebSocketLike } from './socket.ts';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
/** A room's client closes with this when its socket went silent or sent garbage (`connection.ts`). */
const SOCKET_SUSPECT = 4000;

export interface RoomMuxOptions {
  /** Opens a real socket (`new WebSocket(url)` in a browser, `ws` in Node). */
  readonly createSocket: (url: string) => WebSocketLike;
  /** Runs `fn` soon, after the caller returns (default `queueMicrotask`): socket events are async. */
  readonly defer?: (fn: () => void) => void;
  /** Diagnostics (a malformed message from a node, a frame for a room this tab does not have). */
  readonly warn?: (message: string) => void;
}

/**
 * Many rooms over one socket, client side (PROTOCOL.md §2d, DESIGN C9). `createSocket(url)`
 * returns a *virtual* WebSocket for one room — `url` is what a one-room client would open,
 * `ws(s)://host:port/doc/<id>?…` (P6) — so the protocol client (`connection.ts`) and the
 * history client use it unchanged: each room is opened (OPEN with that path), authorised (its
 * own TICKET), redirected (a REDIRECT then CLOSED 4300 for that room only; the room's client
 * opens the new URL, which shares the socket to that node) and closed (CLOSE) on its own.
 * All rooms for one node share one real socket (`…/rooms`); a real socket with no rooms left
 * is closed. When the real socket closes, each of its rooms sees that close.
 */
export interface RoomMux {
  /** A virtual WebSocket for the room at `url` (`…/doc/<id>?…`). Throws on any other URL. */
  createSocket(url: string): WebSocketLike;
  /** Real sockets open or opening now. */
  sockets(): number;
}

interface VirtualRoom {
  readonly socket: VirtualSocket;
  readonly path: string;
}

interface Physical {
  readonly socket: WebSocketLike;
  readonly rooms: Map<number, VirtualRoom>;
  nextRoom: number;
  open: boolean;
}

type VirtualSocket = WebSocketLike & {
  readyState: number;
  deliver(frame: Uint8Array): void;
  opened(): void;
  ended(code: number, reason: string): void;
};

/** Creates a room multiplexer; see {@link RoomMux}. */
export function createRoomMux(options: RoomMuxOptions): RoomMux {
  const defer = options.defer ?? ((fn: () => void) => queueMicrotask(fn));
  const warn = options.warn ?? (() => {});
  const physicals = new Map<string, Physical>();

  const physicalFor = (base: string): Physical => {
    const existing = physicals.get(base);
    if (existing) return existing;
    const socket = options.createSocket(`${base}${ROOMS_PATH}`);
    socket.binaryType = 'arraybuffer';
    const physical: Physical = { socket, rooms: new Map(), nextRoom: 1, open: false };
    physicals.set(base, physical);
    socket.onopen = () => {
      if (physicals.get(base) !== physical) return;
      physical.open = true;
      for (const [number, room] of physical.rooms) {
        socket.send(encodeRoomOpen(number, room.path));
        room.socket.opened();
      }
    };
    socket.onmessage = (event) => {
      if (physicals.get(base) !== physical) return;
      const bytes = toBytes(event.data);
      if (!bytes) return;
      let message: RoomsOutbound;
      try {
        message = decodeRoomsServerMessage(bytes);
      } catch (error) {
        warn(`malformed message from the node: ${(error as Error).message}`);
        socket.close(4000, 'malformed rooms message');
        lost(base, physical, 4000, 'malformed rooms message');
        return;
      }
      const room = physical.rooms.get(message.room);
      if (!room) return; // closed by this side while the node's frames were in flight
      if (message.kind === 'frame') {
        room.socket.deliver(message.frame);
        return;
      }
      physical.rooms.delete(message.room);
      room.socket.ended(message.code, message.reason);
      release(base, physical);
    };
    socket.onerror = () => {};
    socket.onclose = (event) => {
      if (physicals.get(base) !== physical) return;
      lost(base, physical, event.code, event.reason);
    };
    return physical;
  };

  /** The real socket is gone: every room on it sees the close. */
  const lost = (base: string, physical: Physical, code: number, reason: string) => {
    physicals.delete(base);
    const rooms = [...physical.rooms.values()];
    physical.rooms.clear();
    for (const room of rooms) room.socket.ended(code, reason);
  };

  /** Closes a real socket whose last room left. */
  const release = (base: string, physical: Physical) => {
    if (physical.rooms.size > 0 || physicals.get(base) !== physical) return;
    physicals.delete(base);
    physical.socket.close(1000, 'no rooms left');
  };

  const allocate = (physical: Physical): number => {
    while (physical.rooms.has(physical.nextRoom)) physical.nextRoom++;
    return physical.nextRoom++;
  };

  return {
    createSocket(url) {
      const { base, path } = splitRoomUrl(url);
      const physical = physicalFor(base);
      const number = allocate(physical);
      let closedHere = false;
      const virtual: VirtualSocket = {
        binaryType: 'arraybuffer',
        readyState: CONNECTING,
        onopen: null,
        onmessage: null,
        onclose: null,
        onerror: null,
        send(frame) {
          if (virtual.readyState !== OPEN) throw new Error('room is not open');
          // Like a WebSocket that is closing: frames after the real socket closed are dropped.
          if (physical.socket.readyState === OPEN)
            physical.socket.send(encodeRoomFrame(number, frame));
        },
        close(code = 1000, reason = '') {
          if (virtual.readyState === CLOSED || closedHere) return;
          closedHere = true;
          if (code === SOCKET_SUSPECT && physicals.get(base) === physical) {
            // Silence or garbage is a property of the real socket, not of one room (R8):
            // replace the socket, so every room reconnects on a fresh one.
            physical.socket.close(SOCKET_SUSPECT, reason);
            lost(base, physical, code, reason);
            return;
          }
          if (physical.rooms.get(number) === room) {
            physical.rooms.delete(number);
            if (physical.open && physical.socket.readyState === OPEN) {
              physical.socket.send(encodeRoomClose(number));
            }
            release(base, physical);
          }
          virtual.ended(code, reason);
        },
        deliver(frame) {
          if (virtual.readyState !== OPEN) return;
          virtual.onmessage?.({ data: frame });
        },
        opened() {
          defer(() => {
            if (virtual.readyState !== CONNECTING) return;
            virtual.readyState = OPEN;
            virtual.onopen?.({});
          });
        },
        ended(code, reason) {
          if (virtual.readyState === CLOSED) return;
          virtual.readyState = CLOSED;
          defer(() => virtual.onclose?.({ code, reason }));
        },
      };
      const room: VirtualRoom = { socket: virtual, path };
      physical.rooms.set(number, room);
      if (physical.open) {
        physical.socket.send(encodeRoomOpen(number, path));
        virtual.opened();
      }
      return virtual;
    },
    sockets: () => physicals.size,
  };
}

/** `ws://host:port/doc/x?y` → base `ws://host:port`, path `/doc/x?y`. */
export function splitRoomUrl(url: string): { base: string; path: string } {
  const match = /^(wss?:\/\/[^/?#]+)(\/doc\/[^#]*)$/.exec(url);
  if (!match) throw new Error(`not a room url: ${url}`);
  return { base: match[1]!, path: match[2]! };
}

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}
