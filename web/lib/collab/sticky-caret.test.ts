import { describe, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { stickCaretLeft, withCaretStuckLeft } from './sticky-caret.ts';

function docWith(text: string, clientID: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.getText('t').insert(0, text);
  return doc;
}

function indexOf(pos: unknown, doc: Y.Doc): number | undefined {
  return Y.createAbsolutePositionFromRelativePosition(pos as Y.RelativePosition, doc)?.index;
}

describe('sticky caret', () => {
  it('a collapsed caret stays right after the local letter when a remote one lands at the same spot', () => {
    // The remote letter sorts after the local one (higher client id): that is the case where a
    // caret tied to its right neighbour ("end of text") jumps behind the remote letter.
    const mine = docWith('', 1);
    const theirs = new Y.Doc();
    theirs.clientID = 2;
    mine.getText('t').insert(0, 'abc');
    Y.applyUpdate(theirs, Y.encodeStateAsUpdate(mine));
    mine.getText('t').insert(3, 'h');
    theirs.getText('t').insert(3, 'w');
    const type = mine.getText('t');
    const right = Y.createRelativePositionFromTypeIndex(type, 4, 0);
    const state = withCaretStuckLeft({ anchorPos: right, focusPos: right, name: 'A' }, mine);
    Y.applyUpdate(mine, Y.encodeStateAsUpdate(theirs));
    Y.applyUpdate(theirs, Y.encodeStateAsUpdate(mine));
    expect(type.toString()).toBe('abchw');
    expect(indexOf(right, mine)).toBe(5);
    const h = type.toString().indexOf('h');
    expect(indexOf(state.anchorPos, mine)).toBe(h + 1);
    expect(indexOf(state.focusPos, mine)).toBe(h + 1);
    expect(state.name).toBe('A');
  });

  it('leaves selections that span text and states without positions alone', () => {
    const doc = docWith('hello', 1);
    const type = doc.getText('t');
    const from = Y.createRelativePositionFromTypeIndex(type, 1, 0);
    const to = Y.createRelativePositionFromTypeIndex(type, 3, -1);
    const range = { anchorPos: from, focusPos: to };
    expect(withCaretStuckLeft(range, doc)).toBe(range);
    const none = { anchorPos: null, focusPos: null, name: 'x' };
    expect(withCaretStuckLeft(none, doc)).toBe(none);
  });

  it('sets a converted state once and skips states equal to the current one', () => {
    const doc = docWith('hello', 1);
    const awareness = new Awareness(doc);
    const updates: number[] = [];
    awareness.on('update', () => updates.push(1));
    const undo = stickCaretLeft(awareness, doc);
    const type = doc.getText('t');
    const at = (i: number) => Y.createRelativePositionFromTypeIndex(type, i, 0);
    const before = updates.length;
    awareness.setLocalState({ name: 'A', anchorPos: at(2), focusPos: at(2) });
    awareness.setLocalState({ name: 'A', anchorPos: at(2), focusPos: at(2) });
    expect(updates.length - before).toBe(1);
    // The awareness's periodic renewal sets the very same object again: it must go through.
    awareness.setLocalState(awareness.getLocalState());
    expect(updates.length - before).toBe(2);
    expect((awareness.getLocalState()?.anchorPos as Y.RelativePosition | undefined)?.assoc).toBe(
      -1,
    );
    undo();
    awareness.destroy();
  });
});
