import * as Y from 'yjs';

/**
 * `Y.applyUpdate`, then lets go of the transaction it ran, so V8's young-generation GC does not
 * keep and promote it.
 *
 * Yjs queues a document's transactions in `doc._transactionCleanups` and, once it has cleaned
 * them up, swaps in a fresh empty array. The swapped-out array is garbage, but it keeps pointing
 * at the finished transaction. A document edited now and then (a keystroke every few hundred
 * ms) keeps its array long enough for V8 to promote it to the old generation. The next
 * transaction is pushed into that old array, and V8's scavenger treats every pointer from the
 * old generation into the young one as live, dead holder or not: each scavenge kept the
 * transaction and everything it built (its state vectors, maps and sets), and the next one
 * promoted it. That was about 2 KB per update, 1.4 MB per scavenge at 2,000 updates/s on one
 * node: longer scavenge pauses and more mark-compacts (issue 14).
 *
 * Emptying the retired array drops that pointer. An array still in use is left alone: an update
 * applied inside another transaction of the same document (from an observer) leaves the array
 * to the outer transaction's cleanup. Nothing on the server keeps the array Yjs hands to
 * `afterAllTransactions` listeners.
 */
export function applyAndRelease(doc: Y.Doc, update: Uint8Array, origin?: unknown): void {
  const queued = doc._transactionCleanups;
  try {
    Y.applyUpdate(doc, update, origin);
  } finally {
    if (doc._transactionCleanups !== queued) queued.length = 0;
  }
}
