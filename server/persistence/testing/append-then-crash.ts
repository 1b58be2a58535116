/**
 * Crash-test fixture: `node --import tsx append-then-crash.ts <dir> <docId> [compactAfterRecords] [file|journal]`
 * appends updates (each sets `acks.k<i> = i`) to a file store, up to 16 in flight, and prints `i`
 * on its own line once append `i` resolved. It runs until killed (or 30 s pass).
 */
import * as Y from 'yjs';
import { createFileStore } from '../file-store.ts';
import { createJournalStore } from '../journal-store.ts';

const [dir, docId, compactAfter, kind = 'file'] = process.argv.slice(2);
if (!dir || !docId) {
  process.stderr.write('usage: append-then-crash.ts <dir> <docId>\n');
  process.exit(2);
}
setTimeout(() => process.exit(3), 30_000).unref();

const compactAfterRecords = compactAfter === undefined ? undefined : Number(compactAfter);
const store =
  kind === 'journal'
    ? createJournalStore({ dir, compactAfterRecords, segmentBytes: 64 * 1024 })
    : createFileStore({ dir, compactAfterRecords });
const doc = new Y.Doc();
const acks = doc.getMap<number>('acks');
const inFlight = new Set<Promise<void>>();
let last: Uint8Array = new Uint8Array();
doc.on('update', (update: Uint8Array) => {
  last = update;
});

for (let i = 0; i < 1_000_000; i++) {
  acks.set(`k${i}`, i);
  const append: Promise<void> = store.append(docId, last, 'crash-test').then(
    () => {
      process.stdout.write(`${i}\n`);
      inFlight.delete(append);
    },
    (error: unknown) => {
      process.stderr.write(`append ${i} failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
  inFlight.add(append);
  if (inFlight.size >= 16) await Promise.race(inFlight);
}
await store.close();
