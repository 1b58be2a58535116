import { createRing, routingKey } from '../../ring/index.ts';

/**
 * A fresh document id (`<prefix>-<time>-<i>`) whose owner is `owners[i]` under the member set
 * `sets[i]`, for every i: computed with the ring core the nodes use (R1, 1,024 virtual nodes).
 */
export function docOwnedAcross(
  prefix: string,
  sets: readonly (readonly string[])[],
  owners: readonly string[],
): string {
  const rings = sets.map((members) => createRing([...members], { vnodes: 1024 }));
  for (let i = 0; i < 100_000; i++) {
    const docId = `${prefix}-${Date.now().toString(36)}-${i}`;
    if (rings.every((ring, k) => ring.ownerOf(routingKey(docId)) === owners[k])) return docId;
  }
  throw new Error(`no document id owned by ${owners.join(', then ')}`);
}

/** A fresh document id owned by `owner` in the cluster n1–n3. */
export function docOwnedBy(owner: string, prefix: string): string {
  return docOwnedAcross(prefix, [['n1', 'n2', 'n3']], [owner]);
}
