import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mergeUpdates, mergeUpdatesInTurns } from './merge-updates.ts';

/** `count` keystroke updates from two editors typing into one document, with deletions. */
function keystrokes(count: number): Uint8Array[] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const updates: Uint8Array[] = [];
  for (const [doc, other] of [
    [a, b],
    [b, a],
  ] as const) {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      updates.push(update);
      if (origin !== 'sync') Y.applyUpdate(other, update, 'sync');
    });
  }
  for (let i = 0; i < count; i++) {
    const doc = i % 2 === 0 ? a : b;
    const text = doc.getText('t');
    if (i % 7 === 6 && text.length > 0) text.delete(text.length - 1, 1);
    else text.insert(i % 3 === 0 ? 0 : text.length, String.fromCharCode(97 + (i % 26)));
  }
  // each change was emitted twice (by its author and by the peer applying it): keep one copy
  return updates.filter((_, i) => i % 2 === 0);
}

function contentOf(update: Uint8Array): { text: string; vector: Uint8Array } {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return { text: doc.getText('t').toString(), vector: Y.encodeStateVector(doc) };
}

describe('mergeUpdates (bounded fan-in)', () => {
  it('gives a document the same content and state vector as one Y.mergeUpdates call', () => {
    const updates = keystrokes(600);
    const ours = contentOf(mergeUpdates(updates));
    const yjs = contentOf(Y.mergeUpdates(updates));
    expect(ours.text).toBe(yjs.text);
    expect(ours.text.length).toBeGreaterThan(300);
    expect(ours.vector).toEqual(yjs.vector);
  });

  it('keeps updates whose dependencies are missing (Yjs applies them once those arrive)', () => {
    const updates = keystrokes(100);
    const withoutFirst = mergeUpdates(updates.slice(1));
    const doc = new Y.Doc();
    Y.applyUpdate(doc, withoutFirst);
    Y.applyUpdate(doc, updates[0] as Uint8Array);
    expect(doc.getText('t').toString()).toBe(contentOf(Y.mergeUpdates(updates)).text);
  });

  it('never hands Yjs more than the fan-in at once: 1,000 updates in groups of 16, then their results', () => {
    const updates = keystrokes(1000);
    const calls: number[] = [];
    mergeUpdates(updates, 16, (group) => {
      calls.push(group.length);
      return Y.mergeUpdates(group);
    });
    expect(Math.max(...calls)).toBeLessThanOrEqual(16);
    // 1000 → 63 groups → 4 → 1
    expect(calls.length).toBe(63 + 4 + 1);
  });

  it('returns a single update as it is, and refuses a fan-in below 2', () => {
    const [one] = keystrokes(1);
    expect(mergeUpdates([one as Uint8Array])).toBe(one);
    expect(() => mergeUpdates([one as Uint8Array], 1)).toThrow(RangeError);
  });

  it('throws what Yjs throws on an update it cannot decode', () => {
    const updates = keystrokes(40);
    updates[20] = new Uint8Array([200, 1, 2]);
    expect(() => mergeUpdates(updates)).toThrow();
  });
});

describe('mergeUpdatesInTurns (compaction in the background)', () => {
  it('gives the same merged update as mergeUpdates', async () => {
    const updates = keystrokes(600);
    expect(await mergeUpdatesInTurns(updates)).toEqual(mergeUpdates(updates));
  });

  it('lets the event loop turn after every Yjs call but the last: other work runs in between', async () => {
    const updates = keystrokes(1000);
    const events: string[] = [];
    let calls = 0;
    const merging = mergeUpdatesInTurns(updates, {
      merge: (group) => {
        calls++;
        events.push('merge');
        return Y.mergeUpdates(group);
      },
    });
    // a client's message arriving meanwhile: handled before the merge is done
    setImmediate(() => events.push('message'));
    await merging;
    expect(calls).toBe(63 + 4 + 1);
    expect(events.indexOf('message')).toBeGreaterThan(0);
    expect(events.indexOf('message')).toBeLessThan(events.length - 1);
    // without turns, the same merge runs all its calls in one go
    const sync: string[] = [];
    setImmediate(() => sync.push('message'));
    mergeUpdates(updates, 16, (group) => {
      sync.push('merge');
      return Y.mergeUpdates(group);
    });
    expect(sync.includes('message')).toBe(false);
  });

  it('takes one turn per Yjs call before the last, and none for a single update', async () => {
    let turns = 0;
    const turn = async () => {
      turns++;
    };
    await mergeUpdatesInTurns(keystrokes(1000), { turn });
    expect(turns).toBe(63 + 4);
    turns = 0;
    const [one] = keystrokes(1);
    expect(await mergeUpdatesInTurns([one as Uint8Array], { turn })).toBe(one);
    expect(turns).toBe(0);
  });

  it('rejects with what Yjs throws on an update it cannot decode, and refuses a fan-in below 2', async () => {
    const updates = keystrokes(40);
    updates[20] = new Uint8Array([200, 1, 2]);
    await expect(mergeUpdatesInTurns(updates)).rejects.toThrow();
    await expect(mergeUpdatesInTurns(keystrokes(3), { fanIn: 1 })).rejects.toThrow(RangeError);
  });
});
