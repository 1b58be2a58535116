import { describe, expect, it } from 'vitest';
import {
  decodeRoomsClientMessage,
  encodeRoomClosed,
  encodeRoomFrame,
  encodeSyncStep1,
  type RoomsInbound,
} from '../server/protocol/index.ts';
import { createRoomMux } from './room-mux.ts';
import type { WebSocketLike } from './socket.ts';

/** Fake real sockets the mux opens; deferred events run when the test flushes them. */
function setup() {
  const queue: Array<() => void> = [];
  const flush = () => {
    while (queue.length > 0) queue.shift()?.();
  };
  const sockets: Array<{
    url: string;
    socket: WebSocketLike & { readyState: number };
    sent: RoomsInbound[];
    closed: number | null;
  }> = [];
  const mux = createRoomMux({
    defer: (fn) => queue.push(fn),
    createSocket(url) {
      const record = {
        url,
        sent: [] as RoomsInbound[],
        closed: null as number | null,
        socket: {
          binaryType: 'blob',
          readyState: 0,
          onopen: null,
          onmessage: null,
          onclose: null,
          onerror: null,
          send: (data: Uint8Array) => record.sent.push(decodeRoomsClientMessage(data)),
          close: (code?: number) => {
            record.closed = code ?? 1000;
          },
        } as WebSocketLike & { readyState: number },
      };
      sockets.push(record);
      return record.socket;
    },
  });
  const open = (i: number) => {
    const s = sockets[i]!.socket;
    s.readyState = 1;
    s.onopen?.({});
    flush();
  };
  const deliver = (i: number, bytes: Uint8Array) => {
    sockets[i]!.socket.onmessage?.({ data: bytes.slice().buffer });
    flush();
  };
  const room = (url: string) => {
    const socket = mux.createSocket(url);
    const log: string[] = [];
    socket.onopen = () => log.push('open');
    socket.onmessage = (e) => log.push(`msg ${[...(e.data as Uint8Array)].join(',')}`);
    socket.onclose = (e) => log.push(`close ${e.code} ${e.reason}`);
    flush();
    return { socket, log, flush };
  };
  return { mux, sockets, open, deliver, room, flush };
}

const frame = encodeSyncStep1(new Uint8Array([7]));

describe('room multiplexer (C9, R1–R8, client side)', () => {
  it('[C9] rooms for one node share one real socket on /rooms; each is opened with its P6 path', () => {
    const t = setup();
    const doc = t.room('ws://n1:1/doc/a?proto=1');
    const comments = t.room('ws://n1:1/doc/a/comments?proto=1');
    expect(t.sockets.map((s) => s.url)).toEqual(['ws://n1:1/rooms']);
    expect(doc.log).toEqual([]);
    t.open(0);
    expect(t.sockets[0]!.sent).toEqual([
      { kind: 'open', room: 1, path: '/doc/a?proto=1' },
      { kind: 'open', room: 2, path: '/doc/a/comments?proto=1' },
    ]);
    expect(doc.log).toEqual(['open']);
    // Opened after the real socket: OPEN at once.
    const versions = t.room('ws://n1:1/doc/a/versions?proto=1');
    expect(versions.log).toEqual(['open']);
    expect(t.sockets).toHaveLength(1);
    comments.socket.send(frame);
    expect(t.sockets[0]!.sent.at(-1)).toEqual({ kind: 'frame', room: 2, frame });
    t.deliver(0, encodeRoomFrame(1, frame));
    expect(doc.log.at(-1)).toBe(`msg ${[...frame].join(',')}`);
    expect(comments.log).toEqual(['open']);
    expect(t.mux.sockets()).toBe(1);
  });

  it('[C9] CLOSED ends one room only; a redirect target gets a second socket, never one per room', () => {
    const t = setup();
    const a = t.room('ws://n1:1/doc/a?proto=1');
    const b = t.room('ws://n1:1/doc/a/comments?proto=1');
    t.open(0);
    t.deliver(0, encodeRoomClosed(2, 4300, 'redirect to n2'));
    expect(b.log).toEqual(['open', 'close 4300 redirect to n2']);
    expect(a.log).toEqual(['open']);
    // The room's client follows the redirect: a socket to n2, shared by later rooms for n2.
    t.room('ws://n2:2/doc/a/comments?proto=1&epoch=3');
    t.room('ws://n2:2/doc/b?proto=1');
    expect(t.sockets.map((s) => s.url)).toEqual(['ws://n1:1/rooms', 'ws://n2:2/rooms']);
    expect(t.sockets[0]!.closed).toBeNull();
  });

  it('[C9] a room closed by its client sends CLOSE; the last room leaving closes the real socket', () => {
    const t = setup();
    const a = t.room('ws://n1:1/doc/a?proto=1');
    const b = t.room('ws://n1:1/doc/b?proto=1');
    t.open(0);
    a.socket.close(1000, 'done');
    t.flush();
    expect(a.log).toEqual(['open', 'close 1000 done']);
    expect(t.sockets[0]!.sent.at(-1)).toEqual({ kind: 'close', room: 1 });
    expect(t.sockets[0]!.closed).toBeNull();
    // Frames of the closed room still in flight are dropped.
    t.deliver(0, encodeRoomFrame(1, frame));
    expect(a.log).toHaveLength(2);
    b.socket.close(1000, 'done');
    expect(t.sockets[0]!.closed).toBe(1000);
    expect(t.mux.sockets()).toBe(0);
  });

  it('[C9] the real socket closing closes every room on it with its code; a new room opens a new socket', () => {
    const t = setup();
    const a = t.room('ws://n1:1/doc/a?proto=1');
    const b = t.room('ws://n1:1/doc/b?proto=1');
    t.open(0);
    t.sockets[0]!.socket.onclose?.({ code: 4503, reason: 'node stopping' });
    t.flush();
    expect(a.log.at(-1)).toBe('close 4503 node stopping');
    expect(b.log.at(-1)).toBe('close 4503 node stopping');
    t.room('ws://n1:1/doc/a?proto=1');
    expect(t.sockets).toHaveLength(2);
  });

  it('[C9] a malformed message from the node drops the real socket (4000) and its rooms', () => {
    const t = setup();
    const a = t.room('ws://n1:1/doc/a?proto=1');
    t.open(0);
    t.deliver(0, new Uint8Array([0, 0, 1]));
    expect(t.sockets[0]!.closed).toBe(4000);
    expect(a.log.at(-1)).toBe('close 4000 malformed rooms message');
  });

  it('[R8] a room replaced for silence (4000) replaces the real socket: every room reconnects on a fresh one', () => {
    const t = setup();
    const a = t.room('ws://n1:1/doc/a?proto=1');
    const b = t.room('ws://n1:1/doc/a/comments?proto=1');
    t.open(0);
    a.socket.close(4000, 'liveness timeout');
    t.flush();
    expect(t.sockets[0]!.closed).toBe(4000);
    expect(b.log.at(-1)).toBe('close 4000 liveness timeout');
    t.room('ws://n1:1/doc/a?proto=1');
    expect(t.sockets).toHaveLength(2);
  });

  it('refuses URLs that are not room URLs', () => {
    const t = setup();
    expect(() => t.mux.createSocket('ws://n1:1/hocuspocus')).toThrow(/not a room url/);
  });
});
