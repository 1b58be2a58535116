export function mergeInGroups(
  updates: readonly Uint8Array[],
  fanIn: number,
  merge: (updates: Uint8Array[]) => Uint8Array,
): Generator<void, Uint8Array, void>;

export function mergeAllInGroups(
  updates: readonly Uint8Array[],
  fanIn: number,
  merge: (updates: Uint8Array[]) => Uint8Array,
): Uint8Array;

export const MERGE_FAN_IN: number;
