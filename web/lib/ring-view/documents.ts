import type { Ring } from '../../../ring/core/index.ts';
import { routingPoint } from '../../../ring/core/index.ts';
import { type Circle, pointAngle, polar } from './geometry.ts';
import type { DashboardDocument } from './types.ts';

/** Where the document dots go: lane 0 on `circle`, lane k `k × laneGap` further out. */
export interface DocumentLayout {
  readonly circle: Circle;
  /** Radius of one dot. */
  readonly dotRadius: number;
  /** Distance between lanes (default `2.5 × dotRadius`). */
  readonly laneGap?: number;
  /** Lanes used before dots may overlap (default 3). */
  readonly maxLanes?: number;
}

/** A document dot on the ring. */
export interface PlacedDocument {
  readonly id: string;
  /** `routingPoint(id)`: where the document sits on the ring (DESIGN R3). */
  readonly point: number;
  /** Its owner in the ring, `null` when the ring is empty. */
  readonly owner: string | null;
  /** Loaded in memory on some node (else only on disk). */
  readonly loaded: boolean;
  /** Held by members other than its owner only (a move in progress, or a node lagging). */
  readonly misplaced: boolean;
  readonly lane: number;
  readonly x: number;
  readonly y: number;
}

/**
 * Pure: places every document at its routing point, owner from `ring`. Dots that would
 * overlap a neighbour are pushed to the next lane outwards (greedy, by point); past
 * `maxLanes` they go to the lane whose last dot is furthest behind. Output sorted by point.
 */
export function placeDocuments(
  documents: readonly DashboardDocument[],
  ring: Ring,
  layout: DocumentLayout,
): PlacedDocument[] {
  const { circle, dotRadius } = layout;
  const laneGap = layout.laneGap ?? dotRadius * 2.5;
  const maxLanes = Math.max(1, layout.maxLanes ?? 3);
  const sorted = documents
    .map((doc) => ({ doc, point: routingPoint(doc.id) }))
    .sort((a, b) => a.point - b.point || (a.doc.id < b.doc.id ? -1 : 1));
  const lastAngle: number[] = new Array(maxLanes).fill(Number.NEGATIVE_INFINITY);
  return sorted.map(({ doc, point }) => {
    const angle = pointAngle(point);
    let lane = -1;
    for (let k = 0; k < maxLanes; k++) {
      const r = circle.r + k * laneGap;
      if ((angle - lastAngle[k]!) * r >= dotRadius * 2.2) {
        lane = k;
        break;
      }
    }
    if (lane < 0) {
      lane = 0;
      for (let k = 1; k < maxLanes; k++) if (lastAngle[k]! < lastAngle[lane]!) lane = k;
    }
    lastAngle[lane] = angle;
    const owner = ring.ownerOf(doc.id);
    const at = polar({ ...circle, r: circle.r + lane * laneGap }, angle);
    const holders = new Set([...doc.loadedOn, ...doc.storedOn]);
    return {
      id: doc.id,
      point,
      owner,
      loaded: doc.loadedOn.length > 0,
      misplaced: owner !== null && holders.size > 0 && !holders.has(owner),
      lane,
      x: at.x,
      y: at.y,
    };
  });
}
