import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addThread, deleteThread, readThreads, reply, setResolved } from './threads.ts';

const comment = (id: string, text: string, author = 'Alice') => ({
  id,
  author,
  text,
  createdAt: 1,
});

/** Two replicas kept in sync, like two tabs of the comments room. */
function pair() {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== b && Y.applyUpdate(b, u, a));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== a && Y.applyUpdate(a, u, b));
  return { a, b };
}

describe('comment threads in the comments sub-room', () => {
  it('a thread, its replies, resolve and delete reach the other replica', () => {
    const { a, b } = pair();
    addThread(a, 't1', 'quoted text', comment('c1', ' Why? '));
    expect(readThreads(b)).toEqual([
      {
        id: 't1',
        quote: 'quoted text',
        resolved: false,
        comments: [{ id: 'c1', author: 'Alice', text: 'Why?', createdAt: 1 }],
      },
    ]);
    expect(reply(b, 't1', comment('c2', 'Because.', 'Bob'))).toBe(true);
    expect(readThreads(a)[0]?.comments.map((c) => c.text)).toEqual(['Why?', 'Because.']);
    expect(setResolved(a, 't1', true)).toBe(true);
    expect(readThreads(b)[0]?.resolved).toBe(true);
    expect(deleteThread(b, 't1')).toBe(true);
    expect(readThreads(a)).toEqual([]);
    expect(reply(a, 't1', comment('c3', 'late'))).toBe(false);
  });

  it('concurrent replies from two replicas are both kept', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    addThread(a, 't1', 'q', comment('c1', 'first'));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    reply(a, 't1', comment('c2', 'from a'));
    reply(b, 't1', comment('c3', 'from b'));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(readThreads(a)).toEqual(readThreads(b));
    expect(readThreads(a)[0]?.comments).toHaveLength(3);
  });

  it('empty or oversized comments are refused with a clear error; nothing is written', () => {
    const doc = new Y.Doc();
    expect(() => addThread(doc, 't', 'q', comment('c', '   '))).toThrow(/cannot be empty/);
    expect(() => addThread(doc, 't', 'q', comment('c', 'x'.repeat(4001)))).toThrow(/at most 4000/);
    expect(readThreads(doc)).toEqual([]);
  });

  it('entries of the wrong shape are skipped, not fatal', () => {
    const doc = new Y.Doc();
    const bad = new Y.Map<unknown>();
    bad.set('id', 7);
    doc.getArray('threads').push([bad]);
    addThread(doc, 't', 'q', comment('c', 'ok'));
    expect(readThreads(doc).map((t) => t.id)).toEqual(['t']);
  });
});
