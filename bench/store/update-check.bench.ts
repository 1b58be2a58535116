/**
 * What validating a client update costs before the one decode of `Y.applyUpdate` (issue 14):
 * `Y.decodeUpdate` (builds every struct: the first round's check) against
 * `checkUpdateFraming` (reads the framing, builds nothing), per update, on keystroke-sized
 * text updates and Lexical-like XML updates (elements, attributes, formatted text), with the
 * apply itself beside them. Prints µs per update measured in this run.
 *
 *   npx tsx bench/store/update-check.bench.ts
 */
import * as Y from 'yjs';
import { checkUpdateFraming } from '../../server/documents/update-framing.ts';

function updatesOf(edit: (doc: Y.Doc) => void): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  edit(doc);
  return updates;
}

const keystrokes = updatesOf((doc) => {
  const t = doc.getText('t');
  for (let i = 0; i < 3000; i++) t.insert(Math.floor(Math.random() * (t.length + 1)), 'x');
  for (let i = 0; i < 1000; i++) t.delete(Math.floor(Math.random() * (t.length - 1)), 1);
});
const lexical = updatesOf((doc) => {
  const root = doc.getXmlFragment('root');
  for (let i = 0; i < 1000; i++) {
    const p = new Y.XmlElement('paragraph');
    p.setAttribute('__type', 'paragraph');
    const text = new Y.XmlText();
    p.insert(0, [text]);
    text.insert(0, 'hello world', { bold: true });
    root.insert(Math.floor(Math.random() * (root.length + 1)), [p]);
  }
});

function perUpdate(updates: readonly Uint8Array[], f: (u: Uint8Array) => void): number {
  const rounds = 20;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const u of updates) f(u);
  return ((performance.now() - t0) * 1000) / (rounds * updates.length);
}

for (const [name, updates] of [
  ['keystrokes (text inserts/deletes)', keystrokes],
  ['Lexical-like (elements, attributes, formatted text)', lexical],
] as const) {
  for (const u of updates) checkUpdateFraming(u); // every real update passes
  perUpdate(updates, (u) => Y.decodeUpdate(u)); // warm-up
  perUpdate(updates, checkUpdateFraming);
  const decode = perUpdate(updates, (u) => Y.decodeUpdate(u));
  const framing = perUpdate(updates, checkUpdateFraming);
  const t0 = performance.now();
  const target = new Y.Doc();
  for (const u of updates) Y.applyUpdate(target, u);
  const apply = ((performance.now() - t0) * 1000) / updates.length;
  console.log(
    `${name}, ${updates.length} updates: Y.decodeUpdate ${decode.toFixed(3)} µs, ` +
      `checkUpdateFraming ${framing.toFixed(3)} µs (${(decode / framing).toFixed(1)}× cheaper), ` +
      `Y.applyUpdate ${apply.toFixed(3)} µs per update`,
  );
}
