import * as Y from 'yjs';

/** At most this many updates go into one `Y.mergeUpdates` call. */
export const MERGE_FAN_IN = 16;

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
  if (fanIn < 2) throw new RangeError(`fanIn must be at least 2 (${fanIn})`);
  if (updates.length === 1) return updates[0] as Uint8Array;
  let level = [...updates];
  while (level.length > fanIn) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += fanIn) {
      const group = level.slice(i, i + fanIn);
      next.push(group.length === 1 ? (group[0] as Uint8Array) : merge(group));
    }
    level = next;
  }
  return merge(level);
}
