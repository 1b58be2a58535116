import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { plainText, readBlocks, toHtml, toMarkdown } from './content.ts';
import { replaceContent } from './restore.ts';
import { appendBlocks, lexicalDoc, typeInto } from './testing/lexical-doc.ts';
import { cutVersion, readVersions, versionDoc } from './versions.ts';

const textOf = (doc: Y.Doc) => plainText(readBlocks(doc));

describe('restore (W6)', () => {
  it('[W6] writes an old version as a new change that every replica receives', () => {
    const alice = lexicalDoc([
      ['heading', 'Title', { tag: 'h1' }],
      ['paragraph', 'old text'],
    ]);
    const bob = new Y.Doc();
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice));
    const history = new Y.Doc();
    cutVersion(alice, history, { id: 'v1', kind: 'named', name: 'before', at: 1 });
    typeInto(alice, 1, 8, ' and newer text');
    appendBlocks(alice, [['listitem', 'a list item']]);
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice, Y.encodeStateVector(bob)));
    expect(textOf(bob)).toBe('Title\nold text and newer text\na list item');

    const old = versionDoc(readVersions(history), 0);
    const before = Y.encodeStateVector(alice);
    replaceContent(alice, old);
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice, before));
    expect(textOf(alice)).toBe('Title\nold text');
    expect(textOf(bob)).toBe('Title\nold text');
    expect(readBlocks(bob)[0]).toMatchObject({ type: 'heading', tag: 'h1' });
  });

  it('[W6] the restorer can undo the restore (UndoManager tracking the origin)', () => {
    const doc = lexicalDoc([['paragraph', 'old']]);
    const old = new Y.Doc();
    Y.applyUpdate(old, Y.encodeStateAsUpdate(doc));
    typeInto(doc, 0, 3, ' new');
    const origin = { restore: true };
    const undo = new Y.UndoManager(doc.get('root', Y.XmlText), {
      trackedOrigins: new Set([origin]),
    });
    replaceContent(doc, old, origin);
    expect(textOf(doc)).toBe('old');
    undo.undo();
    expect(textOf(doc)).toBe('old new');
  });

  it('exports a version as Markdown and HTML', () => {
    const doc = lexicalDoc([
      ['heading', 'Plan', { tag: 'h2' }],
      ['paragraph', 'Ship *it* <now>', { format: 1 }],
      ['listitem', 'one', { listType: 'number' }],
      ['quote', 'said'],
    ]);
    const blocks = readBlocks(doc);
    expect(toMarkdown(blocks)).toBe('## Plan\n\n**Ship \\*it\\* <now>**\n1. one\n\n> said\n');
    expect(toHtml(blocks)).toBe(
      '<h2>Plan</h2>\n<p><strong>Ship *it* &lt;now&gt;</strong></p>\n<ol>\n<li>one</li>\n</ol>\n<blockquote>said</blockquote>',
    );
  });
});

describe('plain text roots (scripts, the benchmark trace)', () => {
  it('reads strings directly in the root as one paragraph per line, and restores them', () => {
    const doc = new Y.Doc();
    doc.get('root', Y.XmlText).insert(0, 'line one\nline two');
    expect(plainText(readBlocks(doc))).toBe('line one\nline two');
    const target = new Y.Doc();
    target.get('root', Y.XmlText).insert(0, 'other');
    replaceContent(target, doc);
    expect(plainText(readBlocks(target))).toBe('line one\nline two');
  });
});
