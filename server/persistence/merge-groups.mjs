// The bounded fan-in merge shared by merge-updates.ts (the event loop's merges) and
// merge-worker.mjs (the merge thread). Plain JavaScript because a worker thread does not inherit
// the TypeScript loader the process registered (bin/register-ts.mjs); types in merge-groups.d.mts.

/**
 * Merges `updates` in groups of at most `fanIn`, then the groups' results, and so on; one
 * `merge` call per step, and the merged update as the generator's return value.
 * @param {readonly Uint8Array[]} updates
 * @param {number} fanIn
 * @param {(updates: Uint8Array[]) => Uint8Array} merge
 * @returns {Generator<void, Uint8Array, void>}
 */
export function* mergeInGroups(updates, fanIn, merge) {
  if (fanIn < 2) throw new RangeError(`fanIn must be at least 2 (${fanIn})`);
  if (updates.length === 1) return updates[0];
  let level = [...updates];
  while (level.length > fanIn) {
    const next = [];
    for (let i = 0; i < level.length; i += fanIn) {
      const group = level.slice(i, i + fanIn);
      if (group.length === 1) next.push(group[0]);
      else {
        next.push(merge(group));
        yield;
      }
    }
    level = next;
  }
  return merge(level);
}

/**
 * Runs `mergeInGroups` to its end in one go.
 * @param {readonly Uint8Array[]} updates
 * @param {number} fanIn
 * @param {(updates: Uint8Array[]) => Uint8Array} merge
 * @returns {Uint8Array}
 */
export function mergeAllInGroups(updates, fanIn, merge) {
  const steps = mergeInGroups(updates, fanIn, merge);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** At most this many updates go into one `Y.mergeUpdates` call. */
export const MERGE_FAN_IN = 16;
