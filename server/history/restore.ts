import * as Y from 'yjs';
import { LEXICAL_ROOT } from './content.ts';

// biome-ignore lint/suspicious/noExplicitAny: Yjs types are invariant in their event type.
type YType = Y.AbstractType<any>;

type Delta = Array<{ insert?: unknown; attributes?: Record<string, unknown> }>;

/**
 * A deep copy of a Yjs type that is not yet integrated anywhere (Yjs 13's own `clone()` of an
 * XmlText neither copies its attributes nor clones the types embedded in it, which Lexical's
 * binding relies on).
 */
export function deepClone(type: YType): YType {
  if (type instanceof Y.XmlText) {
    const copy = new Y.XmlText();
    for (const [key, value] of Object.entries(type.getAttributes())) {
      copy.setAttribute(key, cloneValue(value) as string);
    }
    copy.applyDelta(cloneDelta(type.toDelta() as Delta));
    return copy;
  }
  if (type instanceof Y.Text) {
    const copy = new Y.Text();
    copy.applyDelta(cloneDelta(type.toDelta() as Delta));
    return copy;
  }
  if (type instanceof Y.XmlElement) {
    const copy = new Y.XmlElement(type.nodeName);
    for (const [key, value] of Object.entries(type.getAttributes())) {
      copy.setAttribute(key, cloneValue(value) as string);
    }
    copy.insert(
      0,
      type.toArray().map((child) => deepClone(child as YType) as Y.XmlElement),
    );
    return copy;
  }
  if (type instanceof Y.Map) {
    const copy = new Y.Map<unknown>();
    for (const [key, value] of type.entries()) copy.set(key, cloneValue(value));
    return copy;
  }
  if (type instanceof Y.Array) {
    const copy = new Y.Array<unknown>();
    copy.insert(0, type.toArray().map(cloneValue));
    return copy;
  }
  return type.clone();
}

function cloneValue(value: unknown): unknown {
  return value instanceof Y.AbstractType ? deepClone(value) : value;
}

function cloneDelta(delta: Delta): Delta {
  return delta.map((op) =>
    op.insert instanceof Y.AbstractType ? { ...op, insert: deepClone(op.insert) } : op,
  );
}

/**
 * Writes `source`'s content into `target` as one new change (W6 restore): inside a single
 * transaction with `origin`, the root XmlText's content and attributes are replaced by deep
 * copies of `source`'s. Nothing of `target`'s history is rewritten: collaborators receive an
 * ordinary update, and an UndoManager tracking `origin` can undo it.
 */
export function replaceContent(target: Y.Doc, source: Y.Doc, origin: unknown = null): void {
  const from = source.get(LEXICAL_ROOT, Y.XmlText);
  const delta = cloneDelta(from.toDelta() as Delta);
  const attributes = from.getAttributes();
  target.transact(() => {
    const to = target.get(LEXICAL_ROOT, Y.XmlText);
    for (const key of Object.keys(to.getAttributes())) {
      if (!(key in attributes)) to.removeAttribute(key);
    }
    for (const [key, value] of Object.entries(attributes)) {
      to.setAttribute(key, cloneValue(value) as string);
    }
    if (to.length > 0) to.delete(0, to.length);
    to.applyDelta(delta);
  }, origin);
}
