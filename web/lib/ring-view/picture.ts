import type { Ring } from '../../../ring/core/index.ts';
import { createRing } from '../../../ring/core/index.ts';
import { type OwnedArc, ownedArcs, ownershipShares } from './arcs.ts';
import { memberColours } from './colours.ts';
import { type PlacedDocument, placeDocuments } from './documents.ts';
import { type Circle, memberArcPaths } from './geometry.ts';
import type { RingSnapshot } from './types.ts';

/** Sizes of the drawing in SVG user units. */
export interface PictureLayout {
  /** The ring band's centre line. */
  readonly circle: Circle;
  /** Radius of a document dot. */
  readonly dotRadius: number;
  /** First document lane: this far outside the band's centre line. */
  readonly documentOffset: number;
  /** Arcs of joining/draining members: this far inside the band's centre line. */
  readonly pendingOffset: number;
}

/** The default drawing: a 420 × 420 view box. */
export const DEFAULT_LAYOUT: PictureLayout = {
  circle: { cx: 210, cy: 210, r: 140 },
  dotRadius: 4.5,
  documentOffset: 30,
  pendingOffset: 24,
};

/** Everything the ring drawing needs, computed from a snapshot. */
export interface RingPicture {
  readonly ring: Ring;
  readonly arcs: readonly OwnedArc[];
  /** One SVG path per ring member (all of its arcs). */
  readonly paths: ReadonlyMap<string, string>;
  /**
   * One path per joining or draining member: the arcs it would own were it in the ring —
   * what it is about to take over (joining) or has just handed off (draining).
   */
  readonly pending: ReadonlyMap<string, string>;
  /** Share of the ring per ring member, in [0, 1]. */
  readonly shares: ReadonlyMap<string, number>;
  /** Colour of every registered member. */
  readonly colours: ReadonlyMap<string, string>;
  readonly documents: readonly PlacedDocument[];
}

/**
 * Pure: the drawing of `snapshot` — the ring rebuilt from its active members and vnodes
 * (same points as the nodes', DESIGN R2), each member's arcs as one path, the shares, member
 * colours and the document dots at their routing points.
 */
export function ringPicture(
  snapshot: RingSnapshot,
  layout: PictureLayout = DEFAULT_LAYOUT,
): RingPicture {
  const ring = createRing(snapshot.ring, { vnodes: snapshot.vnodes });
  const arcs = ownedArcs(ring);
  const inner = { ...layout.circle, r: layout.circle.r - layout.pendingOffset };
  const pending = new Map<string, string>();
  for (const m of snapshot.members) {
    if (m.state === 'active') continue;
    const mine = pendingArcs(snapshot.ring, m.id, snapshot.vnodes);
    const path = memberArcPaths(mine, inner).get(m.id);
    if (path) pending.set(m.id, path);
  }
  return {
    ring,
    arcs,
    paths: memberArcPaths(arcs, layout.circle),
    pending,
    shares: ownershipShares(arcs),
    colours: memberColours(snapshot.members.map((m) => m.id)),
    documents: placeDocuments(snapshot.documents, ring, {
      circle: { ...layout.circle, r: layout.circle.r + layout.documentOffset },
      dotRadius: layout.dotRadius,
    }),
  };
}

/**
 * Pure: the arcs `member` owns in the ring of `ring` plus `member` (the ring core's points,
 * so exactly the stretches that move to it when it turns active, or moved away when it
 * started draining). Empty when `member` is already in `ring`.
 */
export function pendingArcs(ring: readonly string[], member: string, vnodes: number): OwnedArc[] {
  if (ring.includes(member)) return [];
  return ownedArcs(createRing([...ring, member], { vnodes })).filter((a) => a.owner === member);
}

/** Pure: one sentence describing the picture, for the SVG's `<desc>` and screen readers. */
export function describePicture(snapshot: RingSnapshot, picture: RingPicture): string {
  const states = snapshot.members.map((m) => `${m.id} ${m.state}`).join(', ');
  const shares = snapshot.ring
    .map((id) => `${id} ${Math.round((picture.shares.get(id) ?? 0) * 100)}%`)
    .join(', ');
  const docs =
    snapshot.documentsTotal === 1 ? '1 document' : `${snapshot.documentsTotal} documents`;
  if (snapshot.ring.length === 0) {
    return `Epoch ${snapshot.epoch}: no active member, the ring is empty. Members: ${states || 'none'}. ${docs}.`;
  }
  return `Epoch ${snapshot.epoch}: ${snapshot.ring.length} active members share the ring (${shares}). Members: ${states}. ${docs} placed at their routing points.`;
}
