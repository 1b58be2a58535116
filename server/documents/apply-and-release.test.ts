import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyAndRelease } from './apply-and-release.ts';

/** One update per keystroke typed into a fresh document's text `t`. */
function keystrokes(text: string): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (const ch of text) doc.getText('t').insert(doc.getText('t').length, ch);
  return updates;
}

describe('applyAndRelease (issue 14: no finished transaction kept for the young-generation GC)', () => {
  it('applies the update and empties the array of finished transactions Yjs swapped out', () => {
    const doc = new Y.Doc();
    const origin = { name: 'client' };
    const seen: unknown[] = [];
    doc.on('update', (_u: Uint8Array, o: unknown) => seen.push(o));
    for (const update of keystrokes('abc')) {
      const queued = doc._transactionCleanups;
      applyAndRelease(doc, update, origin);
      // Yjs swapped in a fresh array; the one it retired holds nothing any more (Yjs alone
      // leaves the finished transaction in it)
      expect(doc._transactionCleanups).not.toBe(queued);
      expect(queued).toHaveLength(0);
    }
    expect(doc.getText('t').toString()).toBe('abc');
    expect(seen).toEqual([origin, origin, origin]);
  });

  it('leaves the queue of an outer transaction of the same document to that transaction', () => {
    const [first, second] = keystrokes('xy') as [Uint8Array, Uint8Array];
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    let nested = false;
    doc.getText('t').observe(() => {
      if (nested) return;
      nested = true;
      // inside the outer transaction's cleanup: the same array is still being worked through
      const queued = doc._transactionCleanups;
      applyAndRelease(doc, second);
      expect(doc._transactionCleanups).toBe(queued);
      expect(queued).toHaveLength(2);
    });
    applyAndRelease(doc, first);
    expect(doc.getText('t').toString()).toBe('xy');
    expect(updates).toHaveLength(2);
    expect(doc._transactionCleanups).toHaveLength(0);
  });

  it('empties the swapped-out array when the update throws, and throws as Yjs does', () => {
    const doc = new Y.Doc();
    const [update] = keystrokes('a') as [Uint8Array];
    const queued = doc._transactionCleanups;
    // an update cut after 3 bytes: Yjs reads past its end and throws inside its transaction
    const truncated = update.slice(0, 3);
    expect(() => Y.applyUpdate(new Y.Doc(), truncated)).toThrow();
    expect(() => applyAndRelease(doc, truncated)).toThrow();
    expect(doc._transactionCleanups).not.toBe(queued);
    expect(queued).toHaveLength(0);
    expect(doc.getText('t').toString()).toBe('');
  });
});
