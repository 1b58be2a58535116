/**
 * A small set of numbers kept flat: none (`null`), one (the number itself), or several (a
 * `Set`). The awareness client ids one connection introduced are almost always exactly one
 * (its own): a `Set` for each idle connection cost ≈ 150 B of heap, its hash table included
 * (issue 14, memory per connection). The functions return the group to store back.
 */
export type IdGroup = number | Set<number> | null;

/** `group` with `id` added. */
export function addId(group: IdGroup, id: number): IdGroup {
  if (group === null) return id;
  if (typeof group === 'number') return group === id ? group : new Set([group, id]);
  group.add(id);
  return group;
}

/** `group` without `id`. */
export function deleteId(group: IdGroup, id: number): IdGroup {
  if (group === null || typeof group === 'number') return group === id ? null : group;
  group.delete(id);
  if (group.size > 1) return group;
  const [last] = group;
  return last ?? null;
}

/** The ids of `group`, in the order they were added. */
export function idsOf(group: IdGroup): number[] {
  if (group === null) return [];
  return typeof group === 'number' ? [group] : [...group];
}
