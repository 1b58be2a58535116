import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readDocTitle } from '../collab/doc-title.ts';
import { buildInitialUpdate } from './initial-content.ts';

/** The blocks of a Lexical-bound Y.Doc: `[type, tag?, text]` per top-level element. */
function blocks(doc: Y.Doc): [string, string | undefined, string][] {
  return doc
    .get('root', Y.XmlText)
    .toDelta()
    .map((op: { insert: Y.XmlText }) => {
      const el = op.insert;
      const attrs = el.getAttributes() as Record<string, unknown>;
      const text = el
        .toDelta()
        .map((o: { insert: unknown }) => (typeof o.insert === 'string' ? o.insert : ''))
        .join('');
      return [String(attrs.__type), attrs.__tag as string | undefined, text];
    });
}

describe('initial content', () => {
  it('[W4] a new document holds one empty paragraph, and its title outside the text', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, buildInitialUpdate('Quarterly plan', 42));
    expect(blocks(doc)).toEqual([['paragraph', undefined, '']]);
    expect(readDocTitle(doc)).toEqual({ title: 'Quarterly plan', at: 42 });
  });

  it('[W4] applying the seed twice duplicates it, which is why only one writer may seed', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, buildInitialUpdate('A'));
    Y.applyUpdate(doc, buildInitialUpdate('A'));
    expect(blocks(doc)).toHaveLength(2);
  });

  it('[W4] the same seed applied twice is idempotent (Yjs dedups identical updates)', () => {
    const update = buildInitialUpdate('A');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    Y.applyUpdate(doc, update);
    expect(blocks(doc)).toHaveLength(1);
  });
});
