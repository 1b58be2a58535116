import type { Keyspace } from '../../ring/index.ts';
import type { Clock } from '../clock.ts';

export interface GenerationsOptions {
  readonly keys: Keyspace;
  readonly clock: Clock;
  /**
   * Writes `value` at `key` unless the key exists; resolves with the value stored there
   * afterwards (an atomic create-if-absent: etcd's transaction, or the simulation's).
   */
  readonly createIfAbsent: (key: string, value: string) => Promise<string>;
  /** How long to wait for the store (default 2 000 ms). */
  readonly timeoutMs?: number;
}

/**
 * M7 agreement: the recorded generation of a document, or the proposed one recorded now.
 * Why a cluster-wide record: a document whose every holder is out of reach at once (two
 * overlapping faults with R = 2) is loaded empty by its next owner. With a generation of its
 * own choosing the holders' copies, acknowledged edits included, would be refused as another
 * generation when they return; with the recorded one they merge back (Yjs merges are
 * idempotent). Rejects when the store does not answer within the timeout: the caller fails
 * its load rather than invent a generation of its own.
 */
export function createGenerations(
  options: GenerationsOptions,
): (docId: string, proposed: string) => Promise<string> {
  const timeoutMs = options.timeoutMs ?? 2000;
  return async (docId, proposed) => {
    let cancel = () => {};
    const timeout = new Promise<never>((_, reject) => {
      cancel = options.clock.after(timeoutMs, () =>
        reject(
          new Error(
            `the coordination store did not answer within ${timeoutMs} ms (generation of ${docId})`,
          ),
        ),
      );
    });
    try {
      return await Promise.race([
        options.createIfAbsent(options.keys.generationKey(docId), proposed),
        timeout,
      ]);
    } finally {
      cancel();
    }
  };
}
