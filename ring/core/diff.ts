import { buildContinuum, type Continuum } from './continuum.ts';
import { routingPoint } from './routing-key.ts';
import type { MemberId, MovedRange, Ring } from './types.ts';

/** One key whose owner differs between two rings (`null` = no owner). */
export interface MovedKey {
  readonly key: string;
  readonly from: MemberId | null;
  readonly to: MemberId | null;
}

const RING_SIZE = 0x1_0000_0000;

function continuumOf(ring: Ring): Continuum {
  return buildContinuum(ring.members, ring.vnodes);
}

/**
 * The arcs of the 32-bit hash space whose owner differs between `before` and `after`
 * (DESIGN R2 `diff`), each `(start, end]`, wrapping when `start > end`; `start === end`
 * means the whole ring. Adjacent arcs with the same `from`/`to` are merged (also across 0),
 * and the result is ordered by `end`. A key moved iff its `routingPoint` lies in one of the
 * arcs (`rangeContainsKey`). Either ring may be empty (owner `null`); two empty rings give `[]`.
 *
 * Pure: recomputes both continua from `members` and `vnodes` (rings are a function of those).
 */
export function diffRings(before: Ring, after: Ring): MovedRange[] {
  const a = continuumOf(before);
  const b = continuumOf(after);
  const pa = a.points;
  const pb = b.points;
  if (pa.length === 0 && pb.length === 0) return [];

  // Walk the union of boundaries; over (prev, cur] each ring's owner is that of its first point ≥ cur.
  const ends: number[] = [];
  const froms: Array<MemberId | null> = [];
  const tos: Array<MemberId | null> = [];
  let i = 0;
  let j = 0;
  while (i < pa.length || j < pb.length) {
    const va = i < pa.length ? pa[i]! : RING_SIZE;
    const vb = j < pb.length ? pb[j]! : RING_SIZE;
    const cur = Math.min(va, vb);
    const from = pa.length === 0 ? null : a.members[a.owners[i < pa.length ? i : 0]!]!;
    const to = pb.length === 0 ? null : b.members[b.owners[j < pb.length ? j : 0]!]!;
    ends.push(cur);
    froms.push(from);
    tos.push(to);
    while (i < pa.length && pa[i] === cur) i++;
    while (j < pb.length && pb[j] === cur) j++;
  }

  const count = ends.length;
  const out: MovedRange[] = [];
  // Arc k spans (ends[k-1], ends[k]]; arc 0 wraps from the last boundary.
  for (let k = 0; k < count; k++) {
    const from = froms[k]!;
    const to = tos[k]!;
    if (from === to) continue;
    const start = ends[k === 0 ? count - 1 : k - 1]!;
    const last = out[out.length - 1];
    if (last !== undefined && last.end === start && last.from === from && last.to === to) {
      out[out.length - 1] = { start: last.start, end: ends[k]!, from, to };
    } else {
      out.push({ start, end: ends[k]!, from, to });
    }
  }
  if (out.length > 1) {
    const first = out[0]!;
    const last = out[out.length - 1]!;
    if (last.end === first.start && last.from === first.from && last.to === first.to) {
      out.pop();
      out[0] = { start: last.start, end: first.end, from: first.from, to: first.to };
    }
  }
  return out;
}

/**
 * True when ring point `point` (unsigned 32-bit) lies in `range` = `(start, end]`, wrapping
 * when `start > end`; `start === end` is the whole ring. Pure.
 */
export function rangeContainsPoint(range: MovedRange, point: number): boolean {
  const { start, end } = range;
  if (start < end) return point > start && point <= end;
  if (start > end) return point > start || point <= end;
  return true;
}

/** True when `key`'s routing point (DESIGN R3: sub-rooms with their document) lies in `range`. */
export function rangeContainsKey(range: MovedRange, key: string): boolean {
  return rangeContainsPoint(range, routingPoint(key));
}

/**
 * The keys of `keys` whose owner differs between `before` and `after`, with both owners,
 * in input order (duplicates in the input are reported again). Pure.
 */
export function movedKeys(before: Ring, after: Ring, keys: Iterable<string>): MovedKey[] {
  const out: MovedKey[] = [];
  for (const key of keys) {
    const from = before.ownerOf(key);
    const to = after.ownerOf(key);
    if (from !== to) out.push({ key, from, to });
  }
  return out;
}
