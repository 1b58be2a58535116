import * as Y from 'yjs';
import {
  type ClientFrame,
  decodeClientFrame,
  encodeHello,
  encodeSyncStep1,
  encodeSyncStep2,
} from '../../server/protocol/index.ts';
import { createBackoff } from '../backoff.ts';
import type { Cancel, Clock } from '../clock.ts';
import { type ConnectionOptions, createConnection } from '../connection.ts';
import type { OpenSocket, SocketEvents, WebSocketLike } from '../socket.ts';

/** One socket the test plays the node of: what the client sent, and controls to answer. */
export interface FakeServerSocket {
  readonly url: string;
  readonly sent: ClientFrame[];
  /** Close code the client closed with, `null` while it has not. */
  closedByClient: number | null;
  open(): void;
  deliver(frame: Uint8Array): void;
  close(code: number, reason?: string): void;
  /** Content frames (SyncStep2 and updates) the client sent, in order. */
  content(): ClientFrame[];
}

/** An in-memory "network": every socket the client opens, for a test to drive by hand. */
export function fakeNetwork(): { open: OpenSocket; sockets: FakeServerSocket[] } {
  const sockets: FakeServerSocket[] = [];
  const open: OpenSocket = (url, events: SocketEvents) => {
    let state: 'connecting' | 'open' | 'closed' = 'connecting';
    const socket: FakeServerSocket = {
      url,
      sent: [],
      closedByClient: null,
      open() {
        state = 'open';
        events.onOpen();
      },
      deliver(frame) {
        events.onMessage(frame.slice());
      },
      close(code, reason = '') {
        state = 'closed';
        events.onClose(code, reason);
      },
      content: () => socket.sent.filter((f) => f.type === 'sync-step2' || f.type === 'sync-update'),
    };
    sockets.push(socket);
    return {
      send(frame) {
        if (state !== 'open') return false;
        socket.sent.push(decodeClientFrame(frame));
        return true;
      },
      close(code) {
        if (state === 'closed') return;
        state = 'closed';
        socket.closedByClient = code;
      },
    };
  };
  return { open, sockets };
}

/** Plays a node accepting the socket: open, HELLO, SyncStep1, then SyncStep2 with `state`. */
export function serveDoc(
  socket: FakeServerSocket,
  node: string,
  state: Y.Doc = new Y.Doc(),
  generation = 'g1',
): void {
  socket.open();
  socket.deliver(encodeHello({ node, epoch: 5, generation, protocol: 1 }));
  socket.deliver(encodeSyncStep1(Y.encodeStateVector(state)));
  socket.deliver(encodeSyncStep2(Y.encodeStateAsUpdate(state)));
}

/** A clock that moves only when the test says so. */
export function manualClock(start = 1_000): Clock & {
  advance(ms: number): void;
  pending(): number;
} {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    after(ms, fn): Cancel {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return () => timers.delete(id);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= until)
          .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}

/** A connection to `ws://n1` over a {@link fakeNetwork} on a {@link manualClock}; faults collected. */
export function testConnection(overrides: Partial<ConnectionOptions> = {}) {
  const clock = manualClock();
  const net = fakeNetwork();
  const faults: string[] = [];
  const connection = createConnection({
    docId: 'doc-1',
    clock,
    openSocket: net.open,
    resolve: () => 'ws://n1',
    knownMember: () => true,
    backoff: createBackoff({ random: () => 0.5 }),
    ...overrides,
  });
  connection.on('fault', (m) => faults.push(m));
  return { clock, connection, faults, sockets: net.sockets };
}

/** A WebSocket-like object that does nothing by itself: tests call its handlers. */
export class StubWebSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(_data: Uint8Array): void {}
  close(_code?: number, _reason?: string): void {}
}
