import * as Y from 'yjs';
import { LEXICAL_ROOT } from '../content.ts';

/** A block to build: `[type, text]`, `[type, text, {tag|listType, format}]`. */
export type BlockSpec = readonly [
  string,
  string,
  { tag?: string; listType?: string; format?: number }?,
];

/** An element XmlText as Lexical's binding builds it: attributes, then text maps and strings. */
export function lexicalElement(type: string, text: string, extra: BlockSpec[2] = {}): Y.XmlText {
  const element = new Y.XmlText();
  element.setAttribute('__type', type);
  if (extra.tag) element.setAttribute('__tag', extra.tag);
  const textNode = new Y.Map<unknown>();
  textNode.set('__type', 'text');
  textNode.set('__format', extra.format ?? 0);
  textNode.set('__style', '');
  element.insertEmbed(0, textNode);
  if (text !== '') element.insert(1, text);
  return element;
}

/** Appends blocks to `doc`'s Lexical root (list items are wrapped in one list per run). */
export function appendBlocks(
  doc: Y.Doc,
  blocks: readonly BlockSpec[],
  origin: unknown = null,
): void {
  doc.transact(() => {
    const root = doc.get(LEXICAL_ROOT, Y.XmlText);
    for (const [type, text, extra] of blocks) {
      if (type === 'listitem') {
        const list = new Y.XmlText();
        list.setAttribute('__type', 'list');
        list.setAttribute('__listType', extra?.listType ?? 'bullet');
        list.insertEmbed(0, lexicalElement('listitem', text, extra));
        root.insertEmbed(root.length, list);
      } else {
        root.insertEmbed(root.length, lexicalElement(type, text, extra));
      }
    }
  }, origin);
}

/** A new doc holding `blocks`. */
export function lexicalDoc(blocks: readonly BlockSpec[]): Y.Doc {
  const doc = new Y.Doc();
  appendBlocks(doc, blocks);
  return doc;
}

/** Inserts `text` at `offset` of the text of block `index` (after its text map). */
export function typeInto(doc: Y.Doc, index: number, offset: number, text: string): void {
  const root = doc.get(LEXICAL_ROOT, Y.XmlText);
  const block = (root.toDelta() as Array<{ insert?: unknown }>)[index]?.insert;
  if (!(block instanceof Y.XmlText)) throw new RangeError(`no block ${index}`);
  block.insert(1 + offset, text);
}

/** Deletes `length` characters at `offset` of block `index`'s text. */
export function deleteFrom(doc: Y.Doc, index: number, offset: number, length: number): void {
  const root = doc.get(LEXICAL_ROOT, Y.XmlText);
  const block = (root.toDelta() as Array<{ insert?: unknown }>)[index]?.insert;
  if (!(block instanceof Y.XmlText)) throw new RangeError(`no block ${index}`);
  block.delete(1 + offset, length);
}
