import type { Ring } from '../../../ring/core/index.ts';
import { diffRings, EMPTY_RING } from '../../../ring/core/index.ts';

/** Number of points on the ring (the unsigned 32-bit hash space). */
export const RING_SIZE = 0x1_0000_0000;

/**
 * A stretch of the ring `(start, end]` owned by one member, wrapping when `start > end`;
 * `start === end` is the whole ring (a single member).
 */
export interface OwnedArc {
  readonly start: number;
  readonly end: number;
  readonly owner: string;
}

/**
 * Pure: the arcs of `ring`, ordered by `end`, adjacent arcs of one owner merged (also across
 * 0). Every point belongs to exactly one arc, and a key is owned by the owner of the arc its
 * `routingPoint` lies in — the same answer as `ring.ownerOf` (both come from the ring's
 * points: murmur3(`${id}#${i}`), DESIGN R2). An empty ring has no arcs.
 */
export function ownedArcs(ring: Ring): OwnedArc[] {
  return diffRings(EMPTY_RING, ring).flatMap((r) =>
    r.to === null ? [] : [{ start: r.start, end: r.end, owner: r.to }],
  );
}

/** Points covered by `arc` (`RING_SIZE` for the whole ring). */
export function arcSpan(arc: { readonly start: number; readonly end: number }): number {
  const span = (arc.end - arc.start + RING_SIZE) % RING_SIZE;
  return span === 0 ? RING_SIZE : span;
}

/** Pure: each owner's share of the ring in [0, 1]; the shares of a non-empty ring sum to 1. */
export function ownershipShares(arcs: readonly OwnedArc[]): Map<string, number> {
  const shares = new Map<string, number>();
  for (const arc of arcs) {
    shares.set(arc.owner, (shares.get(arc.owner) ?? 0) + arcSpan(arc) / RING_SIZE);
  }
  return shares;
}

/** True when ring point `point` lies in `arc` (`(start, end]`, wrapping; equal ends = all). */
export function arcContains(arc: OwnedArc, point: number): boolean {
  const { start, end } = arc;
  if (start < end) return point > start && point <= end;
  if (start > end) return point > start || point <= end;
  return true;
}
