import {
  buildBucketIndex,
  buildContinuum,
  type Continuum,
  normalizeMembers,
  normalizeVnodes,
  successorIndex,
} from './continuum.ts';
import { routingPoint } from './routing-key.ts';
import type { MemberId, Ring, RingOptions } from './types.ts';

/**
 * Builds an immutable consistent-hash ring (DESIGN R1–R3).
 *
 * Each distinct member gets `options.vnodes` points (default 1024) at murmur3(`${id}#${i}`);
 * a key is owned by the member of the first point ≥ murmur3(routingKey(key)), wrapping.
 * Duplicate ids collapse and ids are sorted, so the ring is a pure function of the member set;
 * equal points go to the lowest id. An empty member set gives a ring whose `ownerOf` is `null`.
 *
 * Throws `TypeError` on an empty/non-string id, `RangeError` on a bad `vnodes`.
 */
export function createRing(members: Iterable<MemberId>, options: RingOptions = {}): Ring {
  const vnodes = normalizeVnodes(options.vnodes);
  const ids = normalizeMembers(members);
  return ringFromContinuum(buildContinuum(ids, vnodes), vnodes);
}

function ringFromContinuum(continuum: Continuum, vnodes: number): Ring {
  const { points, owners } = continuum;
  const members = Object.freeze(continuum.members.slice());
  const memberSet = new Set(members);
  const total = points.length;
  const index = buildBucketIndex(points);
  const { shift, table } = index;

  const ownerOf = (key: string): MemberId | null => {
    if (total === 0) return null;
    // Hot path: successorIndex inlined.
    const hash = routingPoint(key);
    let i = table[hash >>> shift]!;
    while (i < total && points[i]! < hash) i++;
    return members[owners[i === total ? 0 : i]!]!;
  };

  const preferenceList = (key: string, n: number): MemberId[] => {
    const want = Math.min(Math.floor(n), members.length);
    if (!(want > 0)) return [];
    const start = successorIndex(points, index, routingPoint(key));
    const seen = new Uint8Array(members.length);
    const out: MemberId[] = [];
    for (let j = 0; j < total && out.length < want; j++) {
      const idx = start + j < total ? start + j : start + j - total;
      const owner = owners[idx]!;
      if (seen[owner] === 0) {
        seen[owner] = 1;
        out.push(members[owner]!);
      }
    }
    return out;
  };

  return Object.freeze({
    members,
    vnodes,
    ownerOf,
    preferenceList,
    has: (id: MemberId): boolean => memberSet.has(id),
  });
}

/** A ring with no members: `ownerOf` → `null`, `preferenceList` → `[]`. */
export const EMPTY_RING: Ring = createRing([]);
