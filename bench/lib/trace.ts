import * as Y from 'yjs';
import { createRandom } from './stats.ts';

/** What a typing trace is made of (counts of keystrokes and cursor jumps). */
export interface TraceStats {
  readonly inserts: number;
  readonly deletes: number;
  /** Deletions of a selection (several characters in one keystroke). */
  readonly selectionDeletes: number;
  /** Cursor moves to another place in the text (no update: the next edit happens there). */
  readonly jumps: number;
  readonly finalChars: number;
}

/**
 * A pre-recorded editing session of one editor: one Yjs update per keystroke, plus the maps
 * a receiver needs to tell which keystroke an update it sees carries.
 */
export interface TypingTrace {
  /** The Yjs client id every update of this trace is written by. */
  readonly clientId: number;
  /** `updates[k]` is keystroke k's Yjs update (v1 encoding), as the editor would send it. */
  readonly updates: readonly Uint8Array[];
  /** clock → keystroke that inserted the item with that clock. */
  readonly insertedBy: Int32Array;
  /** clock → keystroke that deleted the item with that clock (−1: never deleted). */
  readonly deletedBy: Int32Array;
  /** The whole document after the last keystroke (`Y.encodeStateAsUpdate`). */
  readonly finalState: Uint8Array;
  readonly stats: TraceStats;
}

export interface TraceOptions {
  readonly keystrokes: number;
  readonly seed: number;
  readonly clientId: number;
  /** Name of the `Y.Text` edited (default `text`). */
  readonly textName?: string;
}

const LETTERS = 'etaoinshrdlcumwfgypbvkjxqz';

/**
 * Generates a deterministic character-by-character typing session shaped like the
 * automerge-perf paper trace (the "B4" trace of crdt-benchmarks: ~70 % single-character
 * insertions, ~30 % deletions, frequent cursor moves): words of 1–9 letters with spaces and
 * line breaks, backspace bursts, an occasional selection deleted at once, and cursor jumps to
 * a random place every ~40 keystrokes. Each keystroke is its own transaction, so its own
 * update. The editor only ever deletes its own characters, so two traces with different
 * client ids can be replayed into one document in any interleaving (two people writing in
 * different places of the same text).
 *
 * Cost is O(keystrokes × text length) (the position model is a plain array): fine up to a
 * few tens of thousands of keystrokes.
 */
export function generateTypingTrace(options: TraceOptions): TypingTrace {
  const random = createRandom(options.seed);
  const doc = new Y.Doc();
  doc.clientID = options.clientId;
  const text = doc.getText(options.textName ?? 'text');
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));

  /** Clock of the item at each character position. */
  const positions: number[] = [];
  const insertedBy: number[] = [];
  const deletedBy: number[] = [];
  let cursor = 0;
  let clock = 0;
  let inserts = 0;
  let deletes = 0;
  let selectionDeletes = 0;
  let jumps = 0;
  let wordLeft = 0;
  let wordsOnLine = 0;
  let backspaceLeft = 0;

  const insertChar = (ch: string, k: number) => {
    text.insert(cursor, ch);
    positions.splice(cursor, 0, clock);
    insertedBy[clock] = k;
    deletedBy[clock] = -1;
    clock++;
    cursor++;
    inserts++;
  };
  const deleteRange = (at: number, length: number, k: number) => {
    text.delete(at, length);
    for (const c of positions.splice(at, length)) deletedBy[c] = k;
    if (cursor > at) cursor = Math.max(at, cursor - length);
  };

  for (let k = 0; k < options.keystrokes; k++) {
    if (positions.length > 20 && random() < 0.025) {
      cursor = Math.floor(random() * (positions.length + 1));
      jumps++;
    }
    if (backspaceLeft > 0 && cursor > 0) {
      backspaceLeft--;
      deleteRange(cursor - 1, 1, k);
      deletes++;
      continue;
    }
    backspaceLeft = 0;
    if (positions.length > 60 && random() < 0.004) {
      const length = 5 + Math.floor(random() * 26);
      deleteRange(Math.floor(random() * (positions.length - length)), length, k);
      deletes++;
      selectionDeletes++;
      continue;
    }
    if (wordLeft === 0) {
      if (random() < 0.38 && cursor > 0) {
        backspaceLeft = Math.floor(-Math.log(1 - random()) * 3.5);
        deleteRange(cursor - 1, 1, k);
        deletes++;
        continue;
      }
      wordLeft = 1 + Math.floor(random() * 9);
      wordsOnLine++;
      insertChar(wordsOnLine > 12 && random() < 0.2 ? '\n' : ' ', k);
      if (wordsOnLine > 12) wordsOnLine = 0;
      continue;
    }
    wordLeft--;
    insertChar(LETTERS[Math.floor(random() ** 2 * LETTERS.length)]!, k);
  }
  const finalState = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return {
    clientId: options.clientId,
    updates,
    insertedBy: Int32Array.from(insertedBy),
    deletedBy: Int32Array.from(deletedBy),
    finalState,
    stats: { inserts, deletes, selectionDeletes, jumps, finalChars: positions.length },
  };
}
