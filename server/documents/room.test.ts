import { afterEach, describe, expect, it, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { createMetricsRegistry } from '../http/metrics.ts';
import { createSilentLogger } from '../log.ts';
import { createNodeMetrics } from '../node-metrics.ts';
import { createMemoryStore } from '../persistence/memory-store.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { encodeAwarenessEntries } from './awareness-ids.ts';
import { Room } from './room.ts';
import { createMemoryBroadcaster, MemoryConnection } from './testing/memory-transport.ts';

function makeRoom(awarenessExpiry?: 'own-timer' | 'caller') {
  return new Room('d', 'g1', new Y.Doc(), {
    ...(awarenessExpiry ? { awarenessExpiry } : {}),
    store: createMemoryStore(),
    broadcaster: createMemoryBroadcaster(),
    log: createSilentLogger(),
    metrics: createNodeMetrics(createMetricsRegistry()),
    clock: createManualClock(),
    maxAwarenessBytes: 65536,
    onFault: () => {},
  });
}

const entry = (clientId: number, clock: number, state: unknown) =>
  encodeAwarenessEntries([{ clientId, clock, state: JSON.stringify(state) }]);

const stateOf = (room: Room, id: number) => room.awareness.getStates().get(id);

describe('Room awareness ownership (C8)', () => {
  it('[C8] drops entries for ids another connection introduced, keeps the rest, never throws', () => {
    const room = makeRoom();
    const a = new MemoryConnection(1);
    const b = new MemoryConnection(2);
    room.join(a);
    room.join(b);
    expect(room.applyAwareness(entry(10, 1, { name: 'alice' }), a)).toBe(0);
    // b relays alice's state with a newer clock and sets its own: only its own applies.
    const mixed = encodeAwarenessEntries([
      { clientId: 10, clock: 5, state: JSON.stringify({ name: 'mallory' }) },
      { clientId: 20, clock: 1, state: JSON.stringify({ name: 'bob' }) },
    ]);
    expect(room.applyAwareness(mixed, b)).toBe(1);
    expect(stateOf(room, 10)).toEqual({ name: 'alice' });
    expect(stateOf(room, 20)).toEqual({ name: 'bob' });
    // Nor can b remove alice.
    expect(room.applyAwareness(entry(10, 6, null), b)).toBe(1);
    expect(stateOf(room, 10)).toEqual({ name: 'alice' });
    expect(a.closed || b.closed).toBe(false);
    room.destroy();
  });

  it('[C8] a relayed copy of a departed client never claims its id; the client takes it back', () => {
    const room = makeRoom();
    const a = new MemoryConnection(1);
    const b = new MemoryConnection(2);
    room.join(a);
    room.join(b);
    room.applyAwareness(entry(10, 3, { name: 'alice' }), a);
    room.leave(a);
    expect(stateOf(room, 10)).toBeUndefined();
    // b re-sends what it received (y-websocket does): the removal and the old state.
    expect(room.applyAwareness(entry(10, 3, null), b)).toBe(1);
    expect(room.applyAwareness(entry(10, 3, { name: 'alice' }), b)).toBe(1);
    // alice reconnects on a new socket with a newer clock and gets her id back.
    const a2 = new MemoryConnection(3);
    room.join(a2);
    expect(room.applyAwareness(entry(10, 4, { name: 'alice again' }), a2)).toBe(0);
    expect(stateOf(room, 10)).toEqual({ name: 'alice again' });
    // b still cannot touch it.
    expect(room.applyAwareness(entry(10, 9, { name: 'mallory' }), b)).toBe(1);
    expect(stateOf(room, 10)).toEqual({ name: 'alice again' });
    room.destroy();
  });

  it('[C8] a new connection takes over an id whose old connection is closed but not yet gone', () => {
    const room = makeRoom();
    const old = new MemoryConnection(1);
    room.join(old);
    room.applyAwareness(entry(10, 1, { name: 'alice' }), old);
    old.close(1006, 'network gone');
    const next = new MemoryConnection(2);
    room.join(next);
    expect(room.applyAwareness(entry(10, 2, { name: 'alice' }), next)).toBe(0);
    // The old socket's late leave does not remove the state the new one owns now.
    room.leave(old);
    expect(stateOf(room, 10)).toEqual({ name: 'alice' });
    room.leave(next);
    expect(stateOf(room, 10)).toBeUndefined();
    room.destroy();
  });

  it('[C8] a stock client that re-sends every state it receives keeps everyone else intact', () => {
    const room = makeRoom();
    const conns = [1, 2, 3].map((id) => new MemoryConnection(id));
    const clients = conns.map(() => new awarenessProtocol.Awareness(new Y.Doc()));
    conns.forEach((conn, i) => {
      room.join(conn);
      clients[i]!.setLocalState({ user: i });
      const own = awarenessProtocol.encodeAwarenessUpdate(clients[i]!, [clients[i]!.clientID]);
      expect(room.applyAwareness(own, conn)).toBe(0);
    });
    const all = room.awarenessSnapshot();
    expect(all).not.toBeNull();
    for (const conn of conns) room.applyAwareness(all as Uint8Array, conn);
    clients.forEach((client, i) => {
      expect(stateOf(room, client.clientID)).toEqual({ user: i });
    });
    expect(conns.every((c) => !c.closed)).toBe(true);
    for (const client of clients) client.destroy();
    room.destroy();
  });
});

describe('Room content it cannot integrate yet', () => {
  it('[C4] an update waiting for a missing one is stored as received before it is acknowledged', async () => {
    const store = createMemoryStore();
    const room = new Room('d', 'g1', new Y.Doc(), {
      store,
      broadcaster: createMemoryBroadcaster(),
      log: createSilentLogger(),
      metrics: createNodeMetrics(createMetricsRegistry()),
      clock: createManualClock(),
      maxAwarenessBytes: 65536,
      onFault: () => {},
    });
    const client = new Y.Doc();
    const updates: Uint8Array[] = [];
    client.on('update', (u: Uint8Array) => updates.push(u));
    client.getText('t').insert(0, 'first ');
    client.getText('t').insert(6, 'second');
    const conn = new MemoryConnection(1);
    room.join(conn);
    // The second arrives first (it went to another node): Yjs holds it, emits nothing.
    room.applyUpdate(updates[1] as Uint8Array, conn);
    await room.durable();
    const stored = await store.load('d');
    const reloaded = new Y.Doc();
    for (const u of stored?.updates ?? []) Y.applyUpdate(reloaded, u);
    Y.applyUpdate(reloaded, updates[0] as Uint8Array);
    expect(reloaded.getText('t').toString()).toBe('first second');
    room.destroy();
  });
});

describe('Room keeps no finished transaction for the GC (issue 14)', () => {
  it('client and replicated updates leave nothing in the transaction arrays Yjs swapped out', async () => {
    const room = makeRoom();
    const conn = new MemoryConnection(1);
    room.join(conn);
    const client = new Y.Doc();
    const updates: Uint8Array[] = [];
    client.on('update', (u: Uint8Array) => updates.push(u));
    client.getText('t').insert(0, 'ab');
    client.getText('t').insert(2, 'cd');
    const retired: unknown[][] = [];
    retired.push(room.doc._transactionCleanups);
    room.applyUpdate(updates[0] as Uint8Array, conn);
    retired.push(room.doc._transactionCleanups);
    room.applyRemote(updates[1] as Uint8Array);
    await room.durable();
    expect(room.doc.getText('t').toString()).toBe('abcd');
    // each update's transaction went into one array, which Yjs then swapped out
    expect(new Set([...retired, room.doc._transactionCleanups]).size).toBe(3);
    for (const array of retired) expect(array).toHaveLength(0);
    room.destroy();
  });
});

describe('Room awareness expiry without a timer per document (issue 14)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('[C8] a room nobody sent awareness to holds no Awareness; the first update creates it (issue 14)', () => {
    const room = makeRoom('caller');
    const a = new MemoryConnection(1);
    const b = new MemoryConnection(2);
    room.join(a);
    room.join(b);
    expect(room.awarenessSnapshot()).toBeNull();
    expect(room.expireAwareness()).toBe(0);
    expect(room.awarenessStates().size).toBe(0);
    room.leave(b);
    expect(room.hasAwareness).toBe(false);
    room.applyAwareness(entry(10, 1, { name: 'alice' }), a);
    expect(room.hasAwareness).toBe(true);
    expect(stateOf(room, 10)).toEqual({ name: 'alice' });
    expect(room.awarenessIdsOf(a)).toEqual([10]);
    room.destroy();
  });

  it('a room whose holder expires awareness runs no timer; one left to y-protocols keeps its own', () => {
    vi.useFakeTimers();
    const own = makeRoom();
    expect(own.awareness.getStates().size).toBe(0); // awareness is created on first use
    expect(vi.getTimerCount()).toBe(1);
    const held = makeRoom('caller');
    expect(held.awareness.getStates().size).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    own.destroy();
    held.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('expireAwareness drops states nobody renewed for 30 s, as y-protocols’ own check did', () => {
    const room = makeRoom('caller');
    const a = new MemoryConnection(1);
    room.join(a);
    room.applyAwareness(entry(10, 1, { name: 'alice' }), a);
    const stamped = room.awareness.meta.get(10)!.lastUpdated;
    const removed: number[] = [];
    room.awareness.on('update', (change: { removed: number[] }) => removed.push(...change.removed));
    expect(room.expireAwareness(stamped + 29_999)).toBe(0);
    expect(stateOf(room, 10)).toEqual({ name: 'alice' });
    // renewed: counts from the renewal
    room.applyAwareness(entry(10, 2, { name: 'alice' }), a);
    const renewed = room.awareness.meta.get(10)!.lastUpdated;
    expect(room.expireAwareness(renewed + 29_999)).toBe(0);
    expect(room.expireAwareness(renewed + 30_000)).toBe(1);
    expect(stateOf(room, 10)).toBeUndefined();
    expect(removed).toEqual([10]);
    room.destroy();
    expect(room.expireAwareness(renewed + 60_000)).toBe(0);
  });
});
