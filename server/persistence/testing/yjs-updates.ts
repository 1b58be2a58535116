import * as Y from 'yjs';

/** A Y.Doc that records each edit as one update, for store tests. */
export interface Writer {
  readonly doc: Y.Doc;
  /** Makes `count` edits (each appends a word to text `t`) and returns their updates in order. */
  next(count: number): Uint8Array[];
  /** The text so far. */
  text(): string;
}

/** A writer whose words start with `label` (so two writers' texts differ). */
export function createWriter(label = 'w'): Writer {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  let edits = 0;
  return {
    doc,
    next(count) {
      const updates: Uint8Array[] = [];
      const capture = (update: Uint8Array) => updates.push(update);
      doc.on('update', capture);
      for (let i = 0; i < count; i++) {
        text.insert(text.length, `${label}${edits++} `);
      }
      doc.off('update', capture);
      return updates;
    },
    text: () => text.toString(),
  };
}

/** The text `t` of a fresh Y.Doc after applying `updates` in order. */
export function textOf(updates: readonly Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  const text = doc.getText('t').toString();
  doc.destroy();
  return text;
}
