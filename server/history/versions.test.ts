import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { plainText, readBlocks } from './content.ts';
import { appendBlocks, deleteFrom, lexicalDoc, typeInto } from './testing/lexical-doc.ts';
import {
  authorsBetween,
  cutVersion,
  documentOfHistoryRoom,
  dropVersions,
  findVersion,
  historyRoomOf,
  readVersions,
  versionDoc,
} from './versions.ts';

const textOf = (doc: Y.Doc) => plainText(readBlocks(doc));

/** A document edited in steps, a version cut after each; returns the texts seen at each cut. */
function editedHistory(steps: number, checkpointEvery?: number) {
  const main = lexicalDoc([['paragraph', 'start']]);
  const history = new Y.Doc();
  const texts: string[] = [];
  for (let i = 0; i < steps; i++) {
    if (i % 3 === 2) deleteFrom(main, 0, 0, 1);
    else typeInto(main, 0, 0, `${i} `);
    if (i % 4 === 3) appendBlocks(main, [['heading', `section ${i}`, { tag: 'h2' }]]);
    cutVersion(main, history, {
      id: `v${i}`,
      kind: i % 5 === 0 ? 'named' : 'auto',
      at: 1000 * i,
      authors: ['bob', 'alice', 'bob'],
      ...(checkpointEvery ? { checkpointEvery } : {}),
    });
    texts.push(textOf(main));
  }
  return { main, history, texts };
}

describe('version chain (W6)', () => {
  it('[W6] every version recreates the exact state it was cut from', () => {
    const { history, texts } = editedHistory(12);
    const records = readVersions(history);
    expect(records).toHaveLength(12);
    records.forEach((_, i) => {
      const doc = versionDoc(records, i);
      expect(textOf(doc)).toBe(texts[i]);
      doc.destroy();
    });
  });

  it('[W6] stores diffs, not copies: the first version is a checkpoint, later ones are small', () => {
    const { main, history } = editedHistory(10);
    const records = readVersions(history);
    expect(records[0]?.checkpoint).toBe(true);
    expect(records.slice(1).every((r) => !r.checkpoint)).toBe(true);
    const full = Y.encodeStateAsUpdate(main).length;
    const later = records.slice(1).reduce((n, r) => n + r.diff.length, 0);
    expect(later).toBeLessThan(full * 2);
    expect(records[0]?.authors).toEqual(['alice', 'bob']);
  });

  it('[W6] stores a full checkpoint every N versions and chains restart there', () => {
    const { history, texts } = editedHistory(9, 4);
    const records = readVersions(history);
    expect(records.map((r) => r.checkpoint)).toEqual([
      true,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
    ]);
    const doc = versionDoc(records, 6);
    expect(textOf(doc)).toBe(texts[6]);
  });

  it('[W6] dropping versions keeps every other version’s state', () => {
    const { history, texts } = editedHistory(10);
    const before = readVersions(history);
    const drop = new Set(['v1', 'v2', 'v4', 'v9']);
    expect(dropVersions(history, drop)).toBe(3); // v9 is the newest: never dropped
    const after = readVersions(history);
    expect(after.map((r) => r.id)).toEqual(['v0', 'v3', 'v5', 'v6', 'v7', 'v8', 'v9']);
    after.forEach((record, i) => {
      const original = before.findIndex((r) => r.id === record.id);
      expect(textOf(versionDoc(after, i))).toBe(texts[original]);
    });
    expect(after.find((r) => r.id === 'v3')?.checkpoint).toBe(false);
  });

  it('[W6] dropping the first (checkpoint) version makes the next one the checkpoint', () => {
    const { history, texts } = editedHistory(3);
    dropVersions(history, new Set(['v0']));
    const after = readVersions(history);
    expect(after[0]?.id).toBe('v1');
    expect(after[0]?.checkpoint).toBe(true);
    expect(textOf(versionDoc(after, 0))).toBe(texts[1]);
  });

  it('[W6] attributes the changes between two versions to the authors of the versions in between', () => {
    const main = lexicalDoc([['paragraph', 'x']]);
    const history = new Y.Doc();
    const names = [['ann'], ['bob'], ['cy', 'ann'], ['dee']];
    names.forEach((authors, i) => {
      typeInto(main, 0, 0, `${i}`);
      cutVersion(main, history, { id: `v${i}`, kind: 'auto', at: i, authors });
    });
    const records = readVersions(history);
    expect(authorsBetween(records, 0, 2)).toEqual(['ann', 'bob', 'cy']);
    expect(authorsBetween(records, 2, 0)).toEqual(['ann', 'bob', 'cy']);
    expect(authorsBetween(records, 1, records.length)).toEqual(['ann', 'cy', 'dee']);
    expect(authorsBetween(records, 3, records.length)).toEqual([]);
  });

  it('finds versions by id or 1-based number', () => {
    const { history } = editedHistory(3);
    const records = readVersions(history);
    expect(findVersion(records, 'v1')?.index).toBe(1);
    expect(findVersion(records, '3')?.record.id).toBe('v2');
    expect(findVersion(records, '4')).toBeUndefined();
    expect(findVersion(records, 'nope')).toBeUndefined();
  });

  it('history rooms are sub-rooms of their document (R3)', () => {
    expect(historyRoomOf('notes')).toBe('notes/versions');
    expect(documentOfHistoryRoom('notes/versions')).toBe('notes');
    expect(documentOfHistoryRoom('notes')).toBeNull();
    expect(documentOfHistoryRoom('notes/comments')).toBeNull();
    expect(documentOfHistoryRoom('a/b/versions')).toBeNull();
  });

  it('a history doc survives a round trip through its encoded state (what nodes store)', () => {
    const { history, texts } = editedHistory(4);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(history));
    const records = readVersions(copy);
    expect(textOf(versionDoc(records, 3))).toBe(texts[3]);
  });
});
