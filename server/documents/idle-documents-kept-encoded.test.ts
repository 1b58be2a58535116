import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMetricsRegistry } from '../http/metrics.ts';
import { createSilentLogger } from '../log.ts';
import { createNodeMetrics } from '../node-metrics.ts';
import { createMemoryStore } from '../persistence/memory-store.ts';
import type { DocStore } from '../persistence/store.ts';
import {
  CloseCode,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '../protocol/index.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { DocumentRegistry, IDLE_COMPACT_MIN_ENTRIES, type RegistryOptions } from './registry.ts';
import { Session, type SessionDeps } from './session.ts';
import { MemoryConnection } from './testing/memory-transport.ts';
import { testRegistryOptions } from './testing/registry-options.ts';

const IDLE_ENCODE_MS = 30_000;

async function seed(store: DocStore, docId: string, text: string) {
  const doc = new Y.Doc();
  const t = doc.getText('t');
  for (let i = 0; i < 40; i++) t.insert(t.length, `${text}${i} `);
  t.delete(3, 5);
  await store.append(docId, Y.encodeStateAsUpdate(doc), 'gen-1');
  return doc;
}

function setup(extra: Partial<RegistryOptions> = {}) {
  const clock = createManualClock();
  const store = createMemoryStore();
  const metrics = createNodeMetrics(createMetricsRegistry());
  const registry = new DocumentRegistry(
    testRegistryOptions(store, {
      clock,
      metrics,
      idleUnloadMs: 10 * 60_000,
      idleEncodeMs: IDLE_ENCODE_MS,
      ...extra,
    }),
  );
  const deps: SessionDeps = {
    nodeId: 'n1',
    log: createSilentLogger(),
    metrics,
    maxPendingBytes: 1 << 20,
    epoch: () => 1,
    protocolVersion: 1,
    isFenced: () => false,
    afterCatchUp: (room) => registry.settleCatchUp(room),
  };
  let ids = 0;
  /** A client attached to `docId` through a real Session. */
  async function connect(docId: string) {
    const conn = new MemoryConnection(++ids);
    const session = new Session(conn, { docId, proto: 1 }, deps);
    session.setPermission('edit');
    session.attach(await registry.acquire(docId));
    return { conn, session };
  }
  /** Lets the idle window pass and sweeps. */
  const idle = () => {
    clock.advance(IDLE_ENCODE_MS);
    registry.sweep();
  };
  /** Every append the store was asked for, by document. */
  const appends: string[] = [];
  const append = store.append.bind(store);
  store.append = (docId, update, generation) => {
    appends.push(docId);
    return append(docId, update, generation);
  };
  return { clock, store, metrics, registry, connect, idle, appends };
}

/** What the node acknowledged to a connection (its last cumulative ACK; 0 if none). */
function acked(conn: MemoryConnection): number {
  let count = 0;
  for (const frame of conn.frames()) if (frame.type === 'ack') count = frame.count;
  return count;
}

/** The document's state as the store holds it. */
async function storedDoc(store: DocStore, docId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const u of (await store.load(docId))?.updates ?? []) Y.applyUpdate(doc, u);
  return doc;
}

/** The content a connection received in sync-step2 / sync-update frames, applied to a fresh doc. */
function received(conn: MemoryConnection): Y.Doc {
  const doc = new Y.Doc();
  for (const frame of conn.frames()) {
    if (frame.type === 'sync-step2' || frame.type === 'sync-update')
      Y.applyUpdate(doc, frame.update);
  }
  return doc;
}

/** One update from another client, appending a word. */
function createWriterUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'other ');
  return Y.encodeStateAsUpdate(doc);
}

describe('attached-but-idle documents kept encoded (issue 14)', () => {
  it('[N1] a room kept encoded has its stored updates compacted into one snapshot', async () => {
    const t = setup();
    const compacted: string[] = [];
    const store = t.store;
    const compact = store.compact.bind(store);
    store.compact = (docId, options) => {
      compacted.push(docId);
      return compact(docId, options);
    };
    await seed(store, 'd', 'word');
    const editor = await t.connect('d');
    for (let i = 1; i < IDLE_COMPACT_MIN_ENTRIES; i++) {
      editor.session.receive(encodeSyncUpdate(createWriterUpdate()));
    }
    const room = await t.registry.acquire('d');
    await room.durable();
    expect((await store.load('d'))?.updates).toHaveLength(IDLE_COMPACT_MIN_ENTRIES);
    expect(compacted).toEqual([]);
    t.idle();
    expect(room.isHydrated).toBe(false);
    expect(compacted).toEqual(['d']);
    // (the store runs the compaction the sweep started before this load)
    // one snapshot, and still the room's state
    expect((await store.load('d'))?.updates).toHaveLength(1);
    expect(Y.encodeStateAsUpdate(await storedDoc(store, 'd'))).toEqual(room.encode());
  });

  it('[N1] a room kept encoded with a few stored updates leaves them to the store: reading them back costs less than a snapshot', async () => {
    const t = setup();
    await seed(t.store, 'd', 'word');
    const editor = await t.connect('d');
    editor.session.receive(encodeSyncUpdate(createWriterUpdate()));
    const room = await t.registry.acquire('d');
    await room.durable();
    t.idle();
    expect(room.isHydrated).toBe(false);
    // (the store runs the compaction the sweep asked for before this load)
    expect((await t.store.load('d'))?.updates).toHaveLength(2);
    expect(Y.encodeStateAsUpdate(await storedDoc(t.store, 'd'))).toEqual(room.encode());
  });

  it('[N1] an idle room with an editor attached drops its Y.Doc and answers a fresh client byte-equal', async () => {
    const t = setup();
    const original = await seed(t.store, 'd', 'word');
    const editor = await t.connect('d');
    const room = await t.registry.acquire('d');
    expect(room.isHydrated).toBe(true);
    t.idle();
    expect(room.isHydrated).toBe(false);
    expect(t.registry.get('d')).toBe(room); // still loaded, editor still attached
    expect(room.connectionCount).toBe(1);

    // a fresh client: the node's SyncStep1 comes from the encoded state
    const fresh = await t.connect('d');
    const step1 = fresh.conn.frames().find((f) => f.type === 'sync-step1');
    expect(step1).toMatchObject({ stateVector: Y.encodeStateVector(original) });
    // its own SyncStep1 (empty vector) is answered from the bytes
    fresh.session.receive(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    const got = received(fresh.conn);
    expect(got.getText('t').toString()).toBe(original.getText('t').toString());
    expect(Y.encodeStateAsUpdate(got)).toEqual(Y.encodeStateAsUpdate(original));
    // a client holding part of it gets exactly the rest
    const partial = new Y.Doc();
    partial.getText('t').insert(0, 'x');
    Y.applyUpdate(partial, Y.encodeStateAsUpdate(original, Y.encodeStateVector(new Y.Doc())));
    const half = await t.connect('d');
    half.session.receive(encodeSyncStep1(Y.encodeStateVector(partial)));
    for (const frame of half.conn.frames()) {
      if (frame.type === 'sync-step2') Y.applyUpdate(partial, frame.update);
    }
    const expected = new Y.Doc();
    Y.applyUpdate(expected, Y.encodeStateAsUpdate(original));
    Y.applyUpdate(expected, Y.encodeStateAsUpdate(partial));
    expect(partial.getText('t').toString()).toBe(expected.getText('t').toString());
    // answering sync did not rebuild the Y.Doc
    expect(room.isHydrated).toBe(false);
    expect(editor.conn.closed || fresh.conn.closed || half.conn.closed).toBe(false);
  });

  it('[C5] a malformed state vector to an encoded room closes with 4400, like a hydrated one', async () => {
    const t = setup();
    await seed(t.store, 'd', 'word');
    await t.connect('d');
    const room = await t.registry.acquire('d');
    t.idle();
    expect(room.isHydrated).toBe(false);
    const bad = await t.connect('d');
    bad.session.receive(encodeSyncStep1(Uint8Array.of(0xff, 0xff, 0xff)));
    expect(bad.conn.closeCode).toBe(CloseCode.BAD_REQUEST);
    expect(room.isHydrated).toBe(false);
  });

  it('[N2] an edit hydrates it: stored, broadcast, and encoded again after the next idle window', async () => {
    const t = setup();
    const original = await seed(t.store, 'd', 'word');
    const alice = await t.connect('d');
    const bob = await t.connect('d');
    const room = await t.registry.acquire('d');
    t.idle();
    expect(room.isHydrated).toBe(false);

    const local = new Y.Doc();
    Y.applyUpdate(local, Y.encodeStateAsUpdate(original));
    const edits: Uint8Array[] = [];
    local.on('update', (u: Uint8Array) => edits.push(u));
    local.getText('t').insert(0, 'EDIT ');
    for (const u of edits) alice.session.receive(encodeSyncUpdate(u));
    expect(room.isHydrated).toBe(true);
    expect(room.doc.getText('t').toString()).toBe(local.getText('t').toString());
    await room.durable();
    const stored = await t.store.load('d');
    const fromStore = new Y.Doc();
    for (const u of stored?.updates ?? []) Y.applyUpdate(fromStore, u);
    expect(fromStore.getText('t').toString()).toBe(local.getText('t').toString());
    const bobView = received(bob.conn);
    Y.applyUpdate(bobView, Y.encodeStateAsUpdate(original));
    expect(bobView.getText('t').toString()).toBe(local.getText('t').toString());

    // not idle yet: kept hydrated; idle again: encoded, same content
    t.clock.advance(IDLE_ENCODE_MS / 2);
    t.registry.sweep();
    expect(room.isHydrated).toBe(true);
    t.idle();
    expect(room.isHydrated).toBe(false);
    const again = new Y.Doc();
    Y.applyUpdate(again, room.encode());
    expect(again.getText('t').toString()).toBe(local.getText('t').toString());
  });

  it('[N2] a Y.Doc held across an encode loses nothing written to it afterwards', async () => {
    const t = setup();
    await seed(t.store, 'd', 'word');
    await t.connect('d');
    const room = await t.registry.acquire('d');
    const held = room.doc;
    t.idle();
    expect(room.isHydrated).toBe(false);
    held.getText('t').insert(0, 'late ');
    expect(room.isHydrated).toBe(true);
    expect(room.doc.getText('t').toString()).toBe(held.getText('t').toString());
    await room.durable();
    const stored = await t.store.load('d');
    const fromStore = new Y.Doc();
    for (const u of stored?.updates ?? []) Y.applyUpdate(fromStore, u);
    expect(fromStore.getText('t').toString()).toBe(held.getText('t').toString());
  });

  it('[N1] under memory pressure the coldest hydrated rooms are encoded first, only as many as needed', async () => {
    let pressure = false;
    const rooms: Array<Awaited<ReturnType<DocumentRegistry['acquire']>>> = [];
    // the gauge: 1 MB per hydrated room; high water 2.5 MB
    const heapUsed = () => (pressure ? rooms.filter((r) => r.isHydrated).length * 1_000_000 : 0);
    const t = setup({ heapUsed, heapHighWaterBytes: 2_500_000 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      await seed(t.store, id, id);
      await t.connect(id);
      rooms.push(await t.registry.acquire(id));
    }
    // used at different times (well inside the idle window): c coldest, then e, a, d, b hottest
    for (const id of ['c', 'e', 'a', 'd', 'b']) {
      t.clock.advance(10);
      (await t.registry.acquire(id)).doc.getText('t').toString();
    }
    const encodedOrder: string[] = [];
    for (const room of rooms) {
      const encodeDoc = room.encodeDoc.bind(room);
      room.encodeDoc = () => {
        encodedOrder.push(room.docId);
        return encodeDoc();
      };
    }
    t.registry.sweep();
    expect(encodedOrder).toEqual([]); // no pressure, nothing idle long enough
    pressure = true;
    t.registry.sweep();
    expect(encodedOrder).toEqual(['c', 'e', 'a']);
    expect(rooms.filter((r) => r.isHydrated).map((r) => r.docId)).toEqual(['b', 'd']);
    // attached rooms stay loaded (encoded), nothing was unloaded
    expect(t.registry.loadedCount).toBe(5);
  });
});

describe('a document whose clients only catch up is not kept as a Y.Doc (issue 14)', () => {
  /** A seeded document with one editor attached, kept encoded after the idle window. */
  async function encodedRoom() {
    const t = setup();
    const original = await seed(t.store, 'd', 'word'); // its state holds deletions
    const editor = await t.connect('d');
    const room = await t.registry.acquire('d');
    t.idle();
    return { t, original, editor, room };
  }

  /** A client's replica of `base` whose edits (made by `edit`) are returned as its catch-up. */
  function replicaWith(
    base: Y.Doc,
    edit: (doc: Y.Doc) => void,
  ): { doc: Y.Doc; update: Uint8Array } {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
    edit(doc);
    // what a y-protocols client sends in SyncStep2: everything the node's vector lacks, and
    // its whole delete set
    return { doc, update: Y.encodeStateAsUpdate(doc, Y.encodeStateVector(base)) };
  }

  it('[N1][N2] a client that opens a document and sends its offline edits leaves it encoded, stored, broadcast and acknowledged', async () => {
    const t = setup();
    const compacted: string[] = [];
    const compact = t.store.compact.bind(t.store);
    t.store.compact = (docId, options) => {
      compacted.push(docId);
      return compact(docId, options);
    };
    const original = await seed(t.store, 'd', 'word');
    const reader = await t.connect('d');
    const room = await t.registry.acquire('d');
    const writer = await t.connect('d');
    const offline = replicaWith(original, (doc) => doc.getText('t').insert(0, 'offline '));
    writer.session.receive(encodeSyncStep2(offline.update));
    // not held as a Y.Doc until the idle window: encoded right after the catch-up
    expect(room.isHydrated).toBe(false);
    await room.durable();
    expect(acked(writer.conn)).toBe(1);
    expect((await storedDoc(t.store, 'd')).getText('t').toString()).toBe(
      offline.doc.getText('t').toString(),
    );
    const readerView = received(reader.conn);
    Y.applyUpdate(readerView, Y.encodeStateAsUpdate(original));
    expect(readerView.getText('t').toString()).toBe(offline.doc.getText('t').toString());
    const fromRoom = new Y.Doc();
    Y.applyUpdate(fromRoom, room.encode());
    expect(fromRoom.getText('t').toString()).toBe(offline.doc.getText('t').toString());
    expect(compacted).toEqual(['d']);
  });

  it('[N1] clients reconnecting with edits of their own (after a failover) rebuild the encoded room twice at most, not once each', async () => {
    const { t, original, room } = await encodedRoom();
    let hydrations = 0;
    const hydrate = room.hydrate.bind(room);
    room.hydrate = (now) => {
      if (!room.isHydrated) hydrations++;
      return hydrate(now);
    };
    const clients = ['alice', 'bob', 'carol', 'dan', 'erin'].map((name) =>
      replicaWith(original, (doc) => doc.getText('t').insert(0, `${name} `)),
    );
    const conns = [];
    for (const client of clients) {
      const c = await t.connect('d');
      c.session.receive(encodeSyncStep2(client.update));
      conns.push(c);
      t.clock.advance(100);
    }
    // the first is taken for a lone offline writer (encoded after it); the second shows a
    // reconnecting crowd: kept hydrated for the rest
    expect(hydrations).toBe(2);
    expect(room.isHydrated).toBe(true);
    await room.durable();
    for (const c of conns) expect(acked(c.conn)).toBe(1);
    const merged = new Y.Doc();
    Y.applyUpdate(merged, Y.encodeStateAsUpdate(original));
    for (const client of clients) Y.applyUpdate(merged, Y.encodeStateAsUpdate(client.doc));
    expect(room.doc.getText('t').toString()).toBe(merged.getText('t').toString());
    expect((await storedDoc(t.store, 'd')).getText('t').toString()).toBe(
      merged.getText('t').toString(),
    );
    // nobody types after: encoded after the idle window, as any edited room
    t.idle();
    expect(room.isHydrated).toBe(false);
  });

  it('[N1] catch-ups with changes an idle window apart are each taken for a lone offline writer: encoded after each', async () => {
    const { t, original, room } = await encodedRoom();
    for (const name of ['alice', 'bob']) {
      const c = await t.connect('d');
      c.session.receive(
        encodeSyncStep2(
          replicaWith(original, (doc) => doc.getText('t').insert(0, `${name} `)).update,
        ),
      );
      expect(room.isHydrated).toBe(false);
      t.clock.advance(IDLE_ENCODE_MS);
    }
  });

  it('[N1] a catch-up that brings nothing new to an encoded room is acknowledged without hydrating, storing or broadcasting anything', async () => {
    const { t, original, editor: reader, room } = await encodedRoom();
    expect(room.isHydrated).toBe(false);
    const sentBefore = reader.conn.sent.length;
    const appendsBefore = t.appends.length;
    let hydrations = 0;
    const hydrate = room.hydrate.bind(room);
    room.hydrate = (now) => {
      hydrations++;
      return hydrate(now);
    };
    // a reconnecting client that holds exactly the node's state (deletions included), then one
    // that holds part of it
    const same = await t.connect('d');
    same.session.receive(encodeSyncStep2(replicaWith(original, () => {}).update));
    const partial = new Y.Doc();
    Y.applyUpdate(partial, Y.encodeStateAsUpdate(original, Y.encodeStateVector(new Y.Doc())));
    const older = await t.connect('d');
    older.session.receive(encodeSyncStep2(Y.encodeStateAsUpdate(partial, room.stateVector())));
    expect(hydrations).toBe(0);
    expect(room.isHydrated).toBe(false);
    await room.durable();
    expect(acked(same.conn)).toBe(1);
    expect(acked(older.conn)).toBe(1);
    expect(t.appends.length).toBe(appendsBefore);
    expect(reader.conn.sent.length).toBe(sentBefore);
    expect(room.encode()).toEqual(Y.encodeStateAsUpdate(original));
  });

  it('[N2] a catch-up whose only news is a deletion hydrates the room and applies it', async () => {
    const { t, original, room } = await encodedRoom();
    const deleted = replicaWith(original, (doc) => doc.getText('t').delete(0, 4));
    const client = await t.connect('d');
    client.session.receive(encodeSyncStep2(deleted.update));
    await room.durable();
    expect(acked(client.conn)).toBe(1);
    expect(room.doc.getText('t').toString()).toBe(deleted.doc.getText('t').toString());
    expect((await storedDoc(t.store, 'd')).getText('t').toString()).toBe(
      deleted.doc.getText('t').toString(),
    );
  });

  it('[N1] a room edited live within the idle window stays hydrated through catch-ups, and is encoded after it', async () => {
    const t = setup();
    const original = await seed(t.store, 'd', 'word');
    const alice = await t.connect('d');
    const room = await t.registry.acquire('d');
    const local = replicaWith(original, () => {}).doc;
    const edits: Uint8Array[] = [];
    local.on('update', (u: Uint8Array) => edits.push(u));
    local.getText('t').insert(0, 'typing ');
    for (const u of edits) alice.session.receive(encodeSyncUpdate(u));
    t.clock.advance(IDLE_ENCODE_MS - 1);
    const bob = await t.connect('d');
    bob.session.receive(encodeSyncStep2(replicaWith(original, () => {}).update));
    expect(room.isHydrated).toBe(true);
    t.idle();
    expect(room.isHydrated).toBe(false);
  });

  it('[C5] a malformed catch-up to an encoded room closes with 4400 and changes nothing', async () => {
    const { t, original, room } = await encodedRoom();
    const appendsBefore = t.appends.length;
    const bad = await t.connect('d');
    bad.session.receive(encodeSyncStep2(Uint8Array.of(3, 0xff, 0xff)));
    expect(bad.conn.closeCode).toBe(CloseCode.BAD_REQUEST);
    expect(t.appends.length).toBe(appendsBefore);
    expect(room.encode()).toEqual(Y.encodeStateAsUpdate(original));
  });

  it('[N2] whatever a catch-up holds, the room ends with the merged state, and it is integrated exactly when it changes something (random replicas)', async () => {
    // a small deterministic generator (mulberry32): the same cases on every run
    let state = 7;
    const next = (n: number) => {
      state = (state + 0x6d2b79f5) | 0;
      let x = Math.imul(state ^ (state >>> 15), 1 | state);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) % n;
    };
    const randomEdits = (doc: Y.Doc, count: number) => {
      const text = doc.getText('t');
      for (let i = 0; i < count; i++) {
        if (text.length > 0 && next(3) === 0) {
          text.delete(next(text.length), 1 + next(Math.min(3, text.length)));
        } else {
          text.insert(next(text.length + 1), 'abc'.slice(next(3)));
        }
      }
    };
    let skipped = 0;
    let applied = 0;
    for (let round = 0; round < 120; round++) {
      const t = setup();
      const base = new Y.Doc();
      randomEdits(base, 1 + next(12));
      await t.store.append('d', Y.encodeStateAsUpdate(base), 'gen-1');
      await t.connect('d');
      const room = await t.registry.acquire('d');
      // the node's copy may move on after the client's copy forked from it
      const client = new Y.Doc();
      Y.applyUpdate(client, Y.encodeStateAsUpdate(base));
      if (next(2) === 0) room.doc.getText('t').insert(0, 'n');
      if (next(2) === 0) randomEdits(client, next(4));
      await room.durable();
      t.idle();
      expect(room.isHydrated).toBe(false);
      const expected = new Y.Doc();
      Y.applyUpdate(expected, room.encode());
      const before = Y.encodeStateAsUpdate(expected);
      Y.applyUpdate(expected, Y.encodeStateAsUpdate(client));
      const changes = !equalBytes(Y.encodeStateAsUpdate(expected), before);

      const conn = await t.connect('d');
      const update = Y.encodeStateAsUpdate(client, room.stateVector());
      let hydrated = false;
      const hydrate = room.hydrate.bind(room);
      room.hydrate = (now) => {
        hydrated = true;
        return hydrate(now);
      };
      conn.session.receive(encodeSyncStep2(update));
      // hydrated (integrated) exactly when it holds news
      expect(hydrated).toBe(changes);
      await room.durable();
      expect(conn.conn.closed).toBe(false);
      expect(acked(conn.conn)).toBe(1);
      const after = new Y.Doc();
      Y.applyUpdate(after, room.encode());
      expect(after.getText('t').toString()).toBe(expected.getText('t').toString());
      expect((await storedDoc(t.store, 'd')).getText('t').toString()).toBe(
        expected.getText('t').toString(),
      );
      if (changes) applied++;
      else skipped++;
    }
    // both kinds of catch-up were exercised
    expect(skipped).toBeGreaterThan(10);
    expect(applied).toBeGreaterThan(10);
  });
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
