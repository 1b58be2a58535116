import * as Y from 'yjs';
import { MERGE_FAN_IN, mergeAllInGroups, mergeInGroups } from './merge-groups.mjs';

export { MERGE_FAN_IN };

/**
 * `Y.mergeUpdates(updates)` at a cost that grows about linearly with the number of updates.
 *
 * Yjs 13.6 re-filters and re-sorts every input update for each run of structs it writes
 * (`mergeUpdatesV2`), so one call over n small updates (a commit window of keystrokes, a
 * document's journal records) costs about n² log n: under 2× overload a node spent seconds of
 * one event-loop turn merging a window, which made the next window bigger (measured with a CPU
 * profile, issue 14). Here they are merged in groups of at most `fanIn`, then the groups'
 * results, and so on: the same merged update for Yjs, each call over a bounded number of inputs.
 * Throws what `Y.mergeUpdates` throws (an update it cannot decode). `merge` is for the tests.
 */
export function mergeUpdates(
  updates: readonly Uint8Array[],
  fanIn = MERGE_FAN_IN,
  merge: (updates: Uint8Array[]) => Uint8Array = Y.mergeUpdates,
): Uint8Array {
  return mergeAllInGroups(updates, fanIn, merge);
}

export interface MergeInTurnsOptions {
  readonly fanIn?: number;
  readonly merge?: (updates: Uint8Array[]) => Uint8Array;
  /** Resolves on a later turn of the event loop (default: `setImmediate`). */
  readonly turn?: () => Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `mergeUpdates` for background work (compaction): the same merged update, with a turn of the
 * event loop after each group's `Y.mergeUpdates` call, so a client's message waits for one
 * group at most, never for a whole document's merge. After a burst a node compacts for seconds
 * on end (issue 14's overload row); done in one call per document, each merge held its event
 * loop that long. Rejects with what `Y.mergeUpdates` throws.
 */
export async function mergeUpdatesInTurns(
  updates: readonly Uint8Array[],
  options: MergeInTurnsOptions = {},
): Promise<Uint8Array> {
  const steps = mergeInGroups(
    updates,
    options.fanIn ?? MERGE_FAN_IN,
    options.merge ?? Y.mergeUpdates,
  );
  const turn = options.turn ?? nextTurn;
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await turn();
  }
}
