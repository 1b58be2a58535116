import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore } from '../persistence/memory-store.ts';
import { type DocStore, StoreCorruptError } from '../persistence/store.ts';
import { textOf } from '../persistence/testing/yjs-updates.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { encodeAwarenessEntries } from './awareness-ids.ts';
import {
  DocumentLoadError,
  DocumentRegistry,
  IDLE_COMPACT_MIN_ENTRIES,
  type RegistryOptions,
} from './registry.ts';
import { MemoryConnection } from './testing/memory-transport.ts';
import { testRegistryOptions } from './testing/registry-options.ts';

function makeRegistry(store: DocStore, extra: Partial<RegistryOptions> = {}) {
  return new DocumentRegistry(testRegistryOptions(store, extra));
}

function countingStore(inner: DocStore) {
  let loads = 0;
  const store: DocStore = {
    ...inner,
    load: (id) => {
      loads++;
      return inner.load(id);
    },
  };
  return { store, loads: () => loads };
}

async function seed(store: DocStore, docId: string, text: string) {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  await store.append(docId, Y.encodeStateAsUpdate(doc), 'gen-1');
}

describe('DocumentRegistry', () => {
  it('[N1] loads a document once however many join at once', async () => {
    const { store, loads } = countingStore(createMemoryStore());
    await seed(store, 'd', 'hello');
    const registry = makeRegistry(store);
    const rooms = await Promise.all(Array.from({ length: 20 }, () => registry.acquire('d')));
    expect(new Set(rooms).size).toBe(1);
    expect(loads()).toBe(1);
    expect(rooms[0]!.doc.getText('t').toString()).toBe('hello');
    expect(rooms[0]!.generation).toBe('gen-1');
  });

  it('[N1] a failed load rejects, creates nothing and writes nothing', async () => {
    const inner = createMemoryStore();
    let appends = 0;
    const store: DocStore = {
      ...inner,
      load: async (id) => {
        throw new StoreCorruptError(id, 'bad crc');
      },
      append: (...args) => {
        appends++;
        return inner.append(...args);
      },
    };
    const registry = makeRegistry(store);
    await expect(registry.acquire('d')).rejects.toBeInstanceOf(DocumentLoadError);
    expect(registry.loadedCount).toBe(0);
    expect(appends).toBe(0);
    await expect(registry.acquire('d')).rejects.toThrow(/corrupt/);
  });

  it('[N1] idle documents are unloaded to their encoded form and come back without a store read', async () => {
    const { store, loads } = countingStore(createMemoryStore());
    await seed(store, 'd', 'kept');
    const registry = makeRegistry(store);
    const room = await registry.acquire('d');
    room.doc.getText('t').insert(4, '!');
    await room.durable();
    registry.sweep(1000);
    expect(registry.loadedCount).toBe(0);
    expect(registry.encodedCount).toBe(1);
    const again = await registry.acquire('d');
    expect(again).not.toBe(room);
    expect(again.doc.getText('t').toString()).toBe('kept!');
    expect(loads()).toBe(1);
  });

  it('[N1] a document the idle sweep unloads is compacted in the store: no copy of its updates stays in memory', async () => {
    const inner = createMemoryStore();
    const compacted: string[] = [];
    const store: DocStore = {
      ...inner,
      compact: (docId, options) => {
        compacted.push(docId);
        return inner.compact(docId, options);
      },
    };
    await seed(store, 'd', 'kept');
    const registry = makeRegistry(store);
    const room = await registry.acquire('d');
    for (let i = 1; i < IDLE_COMPACT_MIN_ENTRIES; i++) room.doc.getText('t').insert(4, '!');
    await room.durable();
    expect((await store.load('d'))?.updates).toHaveLength(IDLE_COMPACT_MIN_ENTRIES);
    expect(compacted).toEqual([]);
    registry.sweep(1000);
    expect(registry.loadedCount).toBe(0);
    expect(compacted).toEqual(['d']);
    const stored = await store.load('d');
    expect(stored?.updates).toHaveLength(1);
    expect(textOf(stored?.updates ?? [])).toBe(`kept${'!'.repeat(IDLE_COMPACT_MIN_ENTRIES - 1)}`);
  });

  it('[N1] a document the idle sweep unloads with a few stored updates keeps them as they are', async () => {
    const store = createMemoryStore();
    await seed(store, 'd', 'kept');
    const registry = makeRegistry(store);
    const room = await registry.acquire('d');
    room.doc.getText('t').insert(4, '!');
    await room.durable();
    registry.sweep(1000);
    expect(registry.loadedCount).toBe(0);
    const stored = await store.load('d');
    expect(stored?.updates).toHaveLength(2);
    expect(textOf(stored?.updates ?? [])).toBe('kept!');
  });

  it('[N1] idle compactions run one at a time, each document once', async () => {
    const inner = createMemoryStore();
    const started: string[] = [];
    const finish: Array<() => void> = [];
    const store: DocStore = {
      ...inner,
      compact: (docId) => {
        started.push(docId);
        return new Promise<void>((resolve) => finish.push(resolve));
      },
    };
    const registry = makeRegistry(store);
    for (const id of ['a', 'b', 'c']) {
      await seed(store, id, id);
      await registry.acquire(id);
    }
    registry.sweep(1000);
    expect(registry.loadedCount).toBe(0);
    expect(started).toEqual(['a']);
    finish.shift()?.();
    await vi.waitFor(() => expect(started).toEqual(['a', 'b']));
    finish.shift()?.();
    await vi.waitFor(() => expect(started).toEqual(['a', 'b', 'c']));
    finish.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('[N1][W6] a document not to be cached (version history) leaves no encoded copy when unloaded and loads from the store again', async () => {
    const { store, loads } = countingStore(createMemoryStore());
    await seed(store, 'd', 'doc');
    await seed(store, 'd/versions', 'history');
    const registry = makeRegistry(store, {
      cacheUnloaded: (docId) => !docId.endsWith('/versions'),
    });
    const history = await registry.acquire('d/versions');
    history.doc.getText('t').insert(0, 'more ');
    await history.durable();
    await registry.acquire('d');
    registry.sweep(1000);
    expect(registry.loadedCount).toBe(0);
    expect(registry.encodedCount).toBe(1); // the document itself, not its history
    const again = await registry.acquire('d/versions');
    expect(again.doc.getText('t').toString()).toBe('more history');
    expect(loads()).toBe(3);
  });

  it('[M4] with no local copy and no other holder answering, the load fails instead of creating an empty document', async () => {
    const registry = makeRegistry(createMemoryStore(), {
      pullRemote: async () => ({ copies: [], candidates: 2, answered: 0 }),
    });
    await expect(registry.acquire('d')).rejects.toThrow(/no other holder/);
    expect(registry.loadedCount).toBe(0);
  });

  it('[M1][M7] remote copies of the same generation are merged; another generation is ignored', async () => {
    const store = createMemoryStore();
    await seed(store, 'd', 'local');
    const same = new Y.Doc();
    same.getText('t').insert(0, 'remote ');
    const other = new Y.Doc();
    other.getText('t').insert(0, 'stranger ');
    const registry = makeRegistry(store, {
      pullRemote: async () => ({
        copies: [
          { generation: 'gen-1', state: Y.encodeStateAsUpdate(same) },
          { generation: 'gen-2', state: Y.encodeStateAsUpdate(other) },
        ],
        candidates: 2,
        answered: 2,
      }),
    });
    const room = await registry.acquire('d');
    const text = room.doc.getText('t').toString();
    expect(text).toContain('remote');
    expect(text).toContain('local');
    expect(text).not.toContain('stranger');
    await room.durable();
    const stored = await store.load('d');
    const check = new Y.Doc();
    for (const u of stored!.updates) Y.applyUpdate(check, u);
    expect(check.getText('t').toString()).toBe(text);
  });

  it('[M1][M3] with a copy of its own, a slow holder does not hold up the load; its copy is merged and stored when it answers', async () => {
    const store = createMemoryStore();
    await seed(store, 'd', 'local');
    const remote = new Y.Doc();
    remote.getText('t').insert(0, 'late ');
    let answer!: (copies: Awaited<ReturnType<NonNullable<RegistryOptions['pullRemote']>>>) => void;
    const registry = makeRegistry(store, {
      pullRemote: () => new Promise((resolve) => (answer = resolve)),
    });
    const room = await registry.acquire('d');
    expect(room.doc.getText('t').toString()).toBe('local');
    const seen: Uint8Array[] = [];
    room.doc.on('update', (u: Uint8Array) => seen.push(u));
    answer({
      copies: [{ generation: 'gen-1', state: Y.encodeStateAsUpdate(remote) }],
      candidates: 1,
      answered: 1,
    });
    await Promise.resolve(); // the merge runs in the pull's continuation, no timer
    await Promise.resolve();
    expect(room.doc.getText('t').toString()).toContain('late');
    expect(seen.length).toBeGreaterThan(0);
    await room.durable();
    const stored = await store.load('d');
    const check = new Y.Doc();
    for (const u of stored!.updates) Y.applyUpdate(check, u);
    expect(check.getText('t').toString()).toBe(room.doc.getText('t').toString());
  });

  it('[M4] without a copy of its own the load waits for the holders (they decide the generation)', async () => {
    const clock = createManualClock({ autoAdvance: true });
    const remote = new Y.Doc();
    remote.getText('t').insert(0, 'held elsewhere');
    let answered = false;
    const registry = makeRegistry(createMemoryStore(), {
      pullRemote: async () => {
        await clock.sleep(20);
        answered = true;
        return {
          copies: [{ generation: 'gen-9', state: Y.encodeStateAsUpdate(remote) }],
          candidates: 1,
          answered: 1,
        };
      },
    });
    const room = await registry.acquire('d');
    expect(answered).toBe(true);
    expect(room.generation).toBe('gen-9');
    expect(room.doc.getText('t').toString()).toBe('held elsewhere');
  });

  it('[N3] a room dropped before its updates reached the other holders repairs them on its next load, before any ack', async () => {
    const store = createMemoryStore();
    await seed(store, 'd', 'replicated ');
    const pushed: Uint8Array[] = [];
    let replicaUp = false;
    let release!: () => void;
    const registry = makeRegistry(store, {
      replicate: (_docId, _generation, update) => {
        pushed.push(update);
        if (!replicaUp) return new Promise<void>(() => {}); // the replica never answers
        return new Promise<void>((r) => (release = r));
      },
    });
    const first = await registry.acquire('d');
    expect(pushed).toHaveLength(0); // a plain load pushes nothing
    const edit = new Y.Doc();
    Y.applyUpdate(edit, Y.encodeStateAsUpdate(first.doc));
    edit.getText('t').insert(edit.getText('t').length, 'stored here only');
    first.applyRemote(Y.encodeStateAsUpdate(edit, Y.encodeStateVector(first.doc)));
    await first.localDurable();
    expect(first.hasUnreplicated).toBe(true);
    registry.dropAll(); // fenced: the room goes with its replication unfinished

    replicaUp = true;
    const again = await registry.acquire('d');
    expect(pushed).toHaveLength(2);
    const check = new Y.Doc();
    Y.applyUpdate(check, pushed[1]!);
    expect(check.getText('t').toString()).toBe('replicated stored here only');
    let durable = false;
    void again.durable().then(() => (durable = true));
    await again.localDurable(); // stored here: only the repair push holds the ack back
    await Promise.resolve();
    expect(durable).toBe(false);
    release();
    await again.durable();
    expect(again.hasUnreplicated).toBe(false);

    // Repaired once: the next load after an ordinary unload pushes nothing.
    registry.dropAll();
    await registry.acquire('d');
    expect(pushed).toHaveLength(2);
  });

  it('runs no timer per document: its one sweep drops awareness states nobody renewed for 30 s (issue 14)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const registry = makeRegistry(createMemoryStore(), { idleUnloadMs: 3_600_000 });
      const rooms = await Promise.all(['a', 'b', 'c'].map((id) => registry.acquire(id)));
      // y-protocols would start one 3-s interval per room's Awareness
      expect(vi.getTimerCount()).toBe(0);
      const conn = new MemoryConnection(1);
      rooms[0]!.join(conn);
      rooms[0]!.applyAwareness(
        encodeAwarenessEntries([{ clientId: 10, clock: 1, state: '{"name":"alice"}' }]),
        conn,
      );
      // y-protocols stamps lastUpdated with lib0's clock (Date.now as loaded): age it instead
      const meta = rooms[0]!.awareness.meta.get(10)!;
      meta.lastUpdated -= 29_000;
      registry.sweep();
      expect(rooms[0]!.awareness.getStates().has(10)).toBe(true);
      meta.lastUpdated -= 1_000;
      registry.sweep();
      expect(rooms[0]!.awareness.getStates().has(10)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
