/**
 * What an attached-but-idle document costs (issue 14): heap per document held as a live Y.Doc
 * (what a room holds today) against the same state held encoded (one merged update), and the
 * CPU of answering a SyncStep1 from each (`Y.encodeStateAsUpdate(doc, sv)` against
 * `Y.diffUpdate(encoded, sv)`, plus the state vector from `Y.encodeStateVectorFromUpdate`).
 *
 *   node --expose-gc --import tsx bench/store/idle-doc-memory.ts [--docs 500] [--edits 300]
 */
import { parseArgs } from 'node:util';
import * as Y from 'yjs';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '500' },
    edits: { type: 'string', default: '300' },
  },
});
const docs = Number(values.docs);
const edits = Number(values.edits);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
};

/** A document typed like an editor would: words, a few deletions, two authors. */
function typed(seed: number): Uint8Array {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const text = a.getText('root');
  for (let i = 0; i < edits; i++) {
    const at = (seed * 31 + i * 17) % (text.length + 1);
    text.insert(at, `w${i} `);
    if (i % 10 === 9) text.delete(Math.max(0, at - 2), 1);
    if (i % 50 === 0) Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  }
  const update = Y.encodeStateAsUpdate(a);
  a.destroy();
  b.destroy();
  return update;
}

const encoded = Array.from({ length: docs }, (_, i) => typed(i));
const encodedBytes = encoded.reduce((n, u) => n + u.length, 0) / docs;

const base = heap();
const live = encoded.map((u) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, u);
  return doc;
});
const liveHeap = (heap() - base) / docs;

const copies: Uint8Array[] = encoded.map((u) => u.slice());
const base2 = heap();
copies.length = 0;
const encodedHeap = (base2 - heap()) / docs;

// SyncStep1 answers against a client that has half of the document
const half = encoded.map((u) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, u);
  const sv = Y.encodeStateVector(doc);
  doc.destroy();
  return sv.map((b) => b);
});
const time = (fn: () => void, rounds = 3) => {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / rounds / docs;
};
const empty = Y.encodeStateVector(new Y.Doc());
const fromDoc = time(() => {
  for (const [i, doc] of live.entries()) {
    Y.encodeStateVector(doc);
    Y.encodeStateAsUpdate(doc, i % 2 ? (half[i] ?? empty) : empty);
  }
});
const fromEncoded = time(() => {
  for (const [i, u] of encoded.entries()) {
    Y.encodeStateVectorFromUpdate(u);
    Y.diffUpdate(u, i % 2 ? (half[i] ?? empty) : empty);
  }
});
// One keystroke arriving at an encoded document: hydrate (what the room does: rebuild the
// Y.Doc, integrate; the Y.Doc then serves the following keystrokes) against merging it into the
// encoded bytes (Y.mergeUpdates: no Y.Doc, but every keystroke re-merges the whole state).
const keystrokes = encoded.map((u) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, u);
  let k: Uint8Array = new Uint8Array();
  doc.once('update', (update: Uint8Array) => {
    k = update;
  });
  doc.getText('root').insert(0, 'k');
  doc.destroy();
  return k;
});
const hydrateOne = time(() => {
  for (const [i, u] of encoded.entries()) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, u);
    Y.applyUpdate(doc, keystrokes[i] ?? new Uint8Array());
    doc.destroy();
  }
});
const mergeOne = time(() => {
  for (const [i, u] of encoded.entries()) Y.mergeUpdates([u, keystrokes[i] ?? new Uint8Array()]);
});
// the same keystroke into a live Y.Doc (what every following keystroke costs once hydrated)
const liveOne = time(() => {
  for (const [i, doc] of live.entries()) Y.applyUpdate(doc, keystrokes[i] ?? new Uint8Array());
}, 1);
const encodeOne = time(() => {
  for (const doc of live) Y.encodeStateAsUpdate(doc);
});
for (const doc of live) doc.destroy();

const result = {
  docs,
  editsPerDoc: edits,
  encodedBytesPerDoc: Math.round(encodedBytes),
  heapPerLiveYDoc: Math.round(liveHeap),
  heapPerEncodedDoc: Math.round(encodedHeap),
  liveOverEncoded: Number((liveHeap / encodedBytes).toFixed(1)),
  syncAnswerMicros: {
    fromYDoc: Number(fromDoc.toFixed(1)),
    fromEncoded: Number(fromEncoded.toFixed(1)),
  },
  /** µs per document: a keystroke reaching an encoded document, and encoding one again. */
  updateMicros: {
    hydrateAndApply: Number(hydrateOne.toFixed(1)),
    mergeIntoEncoded: Number(mergeOne.toFixed(1)),
    applyToLiveYDoc: Number(liveOne.toFixed(1)),
    encodeYDoc: Number(encodeOne.toFixed(1)),
  },
};
console.log(JSON.stringify(result, null, 2));
