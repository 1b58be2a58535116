import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { observeDocTitle, readDocTitle, reconcileDocTitle, writeDocTitle } from './doc-title.ts';

function pair(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array) => Y.applyUpdate(b, u));
  b.on('update', (u: Uint8Array) => Y.applyUpdate(a, u));
  return [a, b];
}

describe('document title', () => {
  it('a rename in one replica reaches observers of the other', () => {
    const [a, b] = pair();
    const seen: string[] = [];
    const stop = observeDocTitle(b, (t) => seen.push(t));
    writeDocTitle(a, 'Plan', 10);
    expect(seen).toEqual(['Plan']);
    expect(readDocTitle(b)).toEqual({ title: 'Plan', at: 10 });
    stop();
  });

  it('keeps its own title unless the index was renamed later, which it then adopts', () => {
    const doc = new Y.Doc();
    writeDocTitle(doc, 'Own', 100);
    expect(reconcileDocTitle(doc, 'Index', 50)).toBe('Own');
    expect(reconcileDocTitle(doc, 'Renamed in list', 200)).toBe('Renamed in list');
    expect(readDocTitle(doc)?.title).toBe('Renamed in list');
  });

  it('documents without a stored title take the index title', () => {
    const doc = new Y.Doc();
    expect(readDocTitle(doc)).toBeNull();
    expect(reconcileDocTitle(doc, 'Old doc', 5)).toBe('Old doc');
    expect(readDocTitle(doc)).toEqual({ title: 'Old doc', at: 5 });
  });
});
