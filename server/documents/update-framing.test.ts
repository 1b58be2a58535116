import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkUpdateFraming, MalformedUpdateError } from './update-framing.ts';

/** Updates of every content kind Yjs encodes (text, formats, embeds, maps, arrays, XML, subdocs). */
function richUpdates(): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  const text = doc.getText('t');
  text.insert(0, 'héllo wörld ✓', { bold: true });
  text.insertEmbed(3, { image: 'x.png' });
  text.format(1, 4, { italic: true });
  text.delete(2, 3);
  const map = doc.getMap('m');
  map.set('n', 1.5);
  map.set('o', { a: [1, 'b', null, true], big: 2n ** 40n > 0n });
  map.set('bin', new Uint8Array([1, 2, 3]));
  map.set('sub', new Y.Doc());
  map.delete('n');
  const array = doc.getArray('a');
  array.insert(0, [1, 'two', { three: 3 }, new Uint8Array([4])]);
  array.insert(1, [new Y.Map(), new Y.Array(), new Y.Text('nested')]);
  array.delete(0, 2);
  const xml = doc.getXmlFragment('x');
  const element = new Y.XmlElement('paragraph');
  element.setAttribute('class', 'c');
  const inner = new Y.XmlText();
  element.insert(0, [inner]);
  xml.insert(0, [new Y.XmlHook('hook') as unknown as Y.XmlElement]);
  inner.insert(0, 'formatted', { code: true });
  xml.insert(0, [element]);
  xml.delete(0, 1);
  updates.push(Y.encodeStateAsUpdate(doc));
  updates.push(Y.mergeUpdates(updates.slice(0, 5)));
  return updates;
}

describe('checkUpdateFraming (C5, one decode per update)', () => {
  it('[C5] passes every update Yjs encodes, whatever its content', () => {
    for (const update of richUpdates()) expect(() => checkUpdateFraming(update)).not.toThrow();
  });

  it('[C5] rejects an update whose delete set is cut off (Yjs would apply its structs first)', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    doc.getText('t').insert(0, 'abcdef');
    doc.getText('t').delete(1, 2);
    const state = Y.encodeStateAsUpdate(doc);
    const cut = state.subarray(0, state.length - 1);
    expect(() => checkUpdateFraming(cut)).toThrow(MalformedUpdateError);
    // what the check prevents: Yjs integrates the structs, then fails on the delete set
    const victim = new Y.Doc();
    expect(() => Y.applyUpdate(victim, cut)).toThrow();
    expect(victim.getText('t').toString()).not.toBe('');
  });

  it('[C5] rejects an unknown content kind, an unknown type and a length past the end', () => {
    expect(() => checkUpdateFraming(new Uint8Array([1, 1, 5, 0, 11]))).toThrow(
      MalformedUpdateError,
    );
    // one struct: info 7 (type content), parent key "t", type ref 9
    expect(() => checkUpdateFraming(new Uint8Array([1, 1, 5, 0, 7, 1, 1, 116, 9, 0]))).toThrow(
      /type ref/,
    );
    // a string of 200 bytes in a 12-byte update, inside a larger buffer
    const frame = new Uint8Array(400);
    frame.set([1, 1, 5, 0, 4, 1, 1, 116, 200, 1, 0, 0]);
    expect(() => checkUpdateFraming(frame.subarray(0, 12))).toThrow(MalformedUpdateError);
  });

  it('[C5] a truncated or flipped update: never refused when a full decode accepts it; when a full decode refuses it, refused here, applied wholly or failing before anything is integrated', () => {
    const updates = richUpdates();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: updates.length - 1 }),
        fc.nat(),
        fc.option(fc.integer({ min: 0, max: 255 })),
        (which, at, flip) => {
          const original = updates[which] as Uint8Array;
          const pos = at % original.length;
          const bytes =
            flip === null
              ? original.slice(0, pos)
              : Uint8Array.from(original, (b, i) => (i === pos ? flip : b));
          let decodes = true;
          try {
            Y.decodeUpdate(bytes);
          } catch {
            decodes = false;
          }
          let framed = true;
          try {
            checkUpdateFraming(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(MalformedUpdateError);
            framed = false;
          }
          // never refuses what the first round's check (a full decode) accepted
          if (decodes) expect(framed).toBe(true);
          if (!framed || decodes) return;
          // what the full decode refused but the framing accepted applies wholly (Yjs accepts
          // it) or fails before anything is integrated: never halfway
          const target = new Y.Doc();
          let integrated = false;
          target.on('update', () => {
            integrated = true;
          });
          try {
            Y.applyUpdate(target, bytes);
          } catch {
            expect(integrated).toBe(false);
          }
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
