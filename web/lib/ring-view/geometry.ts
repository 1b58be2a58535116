import { arcSpan, type OwnedArc, RING_SIZE } from './arcs.ts';

/** A circle in SVG user units (y grows downwards). */
export interface Circle {
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
}

/** Angle of ring point `point` in radians, clockwise from 12 o'clock: 0 → 0, 2^31 → π. */
export function pointAngle(point: number): number {
  return (point / RING_SIZE) * 2 * Math.PI;
}

/** The SVG coordinates of `angle` (see {@link pointAngle}) on `circle`, rounded to 0.01. */
export function polar(circle: Circle, angle: number): { x: number; y: number } {
  return {
    x: round(circle.cx + circle.r * Math.sin(angle)),
    y: round(circle.cy - circle.r * Math.cos(angle)),
  };
}

/**
 * Pure: an SVG path (`M … A …`) tracing `arc` clockwise on `circle`, meant to be stroked.
 * The whole ring (`start === end`) is drawn as two half circles.
 */
export function arcPath(arc: { readonly start: number; readonly end: number }, circle: Circle) {
  const { r } = circle;
  const span = arcSpan(arc);
  const from = polar(circle, pointAngle(arc.start));
  if (span === RING_SIZE) {
    const half = polar(circle, pointAngle(arc.start) + Math.PI);
    return `M${from.x} ${from.y}A${r} ${r} 0 0 1 ${half.x} ${half.y}A${r} ${r} 0 0 1 ${from.x} ${from.y}`;
  }
  const to = polar(circle, pointAngle(arc.end));
  const large = span > RING_SIZE / 2 ? 1 : 0;
  return `M${from.x} ${from.y}A${r} ${r} 0 ${large} 1 ${to.x} ${to.y}`;
}

/**
 * Pure: one path per owner holding all of its arcs as sub-paths (a member with 1024 virtual
 * nodes is one SVG element, not a thousand), in the order owners first appear in `arcs`.
 */
export function memberArcPaths(arcs: readonly OwnedArc[], circle: Circle): Map<string, string> {
  const parts = new Map<string, string[]>();
  for (const arc of arcs) {
    let list = parts.get(arc.owner);
    if (!list) {
      list = [];
      parts.set(arc.owner, list);
    }
    list.push(arcPath(arc, circle));
  }
  return new Map([...parts].map(([owner, list]) => [owner, list.join('')]));
}

function round(v: number): number {
  return Math.round(v * 100) / 100 + 0;
}
