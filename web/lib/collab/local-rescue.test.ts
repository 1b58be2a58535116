import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLocalRescue, RESCUE_ORIGIN, type RescueStorage, rescueKey } from './local-rescue.ts';

function memoryStorage(
  options: { full?: boolean } = {},
): RescueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => {
      if (options.full) throw new DOMException('quota', 'QuotaExceededError');
      map.set(k, v);
    },
    removeItem: (k) => {
      map.delete(k);
    },
  };
}

/** A flush that resolves when the test says IndexedDB committed. */
function controlledFlush() {
  const waiting: Array<() => void> = [];
  return {
    flush: () => new Promise<void>((resolve) => waiting.push(resolve)),
    commit: () => {
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local rescue copy (W3)', () => {
  it('[W3] an edit IndexedDB has not confirmed is written on pagehide; the next page gets it back exactly once', async () => {
    const storage = memoryStorage();
    const events = new EventTarget();
    const idb = controlledFlush();
    const doc = new Y.Doc();
    const rescue = createLocalRescue({ docId: 'd1', doc, storage, events, flush: idb.flush });
    rescue.setGeneration('gen-1');
    doc.getText('t').insert(0, 'last words');
    expect(rescue.dirty).toBe(true);
    events.dispatchEvent(new Event('pagehide'));
    expect(storage.map.has(rescueKey('d1'))).toBe(true);

    // The next page: IndexedDB lost the last transaction, so its copy is empty.
    const next = new Y.Doc();
    const seen: unknown[] = [];
    next.on('update', (_u: Uint8Array, origin: unknown) => seen.push(origin));
    const again = createLocalRescue({
      docId: 'd1',
      doc: next,
      storage,
      events: new EventTarget(),
      flush: async () => {},
    });
    expect(await again.restore('gen-1')).toBe(true);
    expect(next.getText('t').toString()).toBe('last words');
    expect(seen).toEqual([RESCUE_ORIGIN]);
    expect(storage.map.has(rescueKey('d1'))).toBe(false);
    // IndexedDB had kept it after all: applying the copy too changes nothing.
    const both = new Y.Doc();
    Y.applyUpdate(both, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(both, Y.encodeStateAsUpdate(next));
    expect(both.getText('t').toString()).toBe('last words');
    rescue.destroy();
    again.destroy();
  });

  it('[W3] once IndexedDB confirms every edit, pagehide writes nothing', async () => {
    const storage = memoryStorage();
    const events = new EventTarget();
    const idb = controlledFlush();
    const doc = new Y.Doc();
    const rescue = createLocalRescue({
      docId: 'd2',
      doc,
      storage,
      events,
      flush: idb.flush,
      confirmAfterMs: 1,
    });
    doc.getText('t').insert(0, 'committed');
    await tick(10);
    idb.commit();
    await tick();
    expect(rescue.dirty).toBe(false);
    events.dispatchEvent(new Event('pagehide'));
    expect(storage.map.size).toBe(0);
    rescue.destroy();
  });

  it('[W3] updates IndexedDB itself applied are not edits to rescue', () => {
    const storage = memoryStorage();
    const events = new EventTarget();
    const stored = {};
    const doc = new Y.Doc();
    const rescue = createLocalRescue({
      docId: 'd3',
      doc,
      storage,
      events,
      flush: async () => {},
      storedOrigins: new Set([stored]),
    });
    const other = new Y.Doc();
    other.getText('t').insert(0, 'from indexeddb');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other), stored);
    expect(rescue.dirty).toBe(false);
    events.dispatchEvent(new Event('pagehide'));
    expect(storage.map.size).toBe(0);
    rescue.destroy();
  });

  it('[M7] a rescue copy of another generation is dropped, not merged', async () => {
    const storage = memoryStorage();
    const doc = new Y.Doc();
    const events = new EventTarget();
    const rescue = createLocalRescue({ docId: 'd4', doc, storage, events, flush: async () => {} });
    rescue.setGeneration('old');
    doc.getText('t').insert(0, 'old history');
    events.dispatchEvent(new Event('pagehide'));
    rescue.destroy();

    const next = new Y.Doc();
    const again = createLocalRescue({
      docId: 'd4',
      doc: next,
      storage,
      events: new EventTarget(),
      flush: async () => {},
    });
    expect(await again.restore('new')).toBe(false);
    expect(next.getText('t').toString()).toBe('');
    expect(storage.map.size).toBe(0);
    again.destroy();
  });

  it('[W3] a full localStorage or an unreadable copy loses nothing else and throws nothing', async () => {
    const full = memoryStorage({ full: true });
    const events = new EventTarget();
    const doc = new Y.Doc();
    const rescue = createLocalRescue({
      docId: 'd5',
      doc,
      storage: full,
      events,
      flush: async () => {},
    });
    doc.getText('t').insert(0, 'x');
    expect(() => events.dispatchEvent(new Event('pagehide'))).not.toThrow();
    rescue.destroy();

    const storage = memoryStorage();
    storage.map.set(rescueKey('d6'), '{not json');
    const next = new Y.Doc();
    const again = createLocalRescue({
      docId: 'd6',
      doc: next,
      storage,
      events: new EventTarget(),
      flush: async () => {},
    });
    expect(await again.restore(null)).toBe(false);
    expect(storage.map.size).toBe(0);
    again.destroy();
  });

  it('[W3] after destroy, pagehide writes nothing', () => {
    const storage = memoryStorage();
    const events = new EventTarget();
    const doc = new Y.Doc();
    const rescue = createLocalRescue({ docId: 'd7', doc, storage, events, flush: async () => {} });
    doc.getText('t').insert(0, 'x');
    rescue.destroy();
    events.dispatchEvent(new Event('pagehide'));
    expect(storage.map.size).toBe(0);
  });
});
