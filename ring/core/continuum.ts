import { murmur3 } from './hash.ts';
import type { MemberId } from './types.ts';

/** Default virtual nodes per member (DESIGN R2 asks for ≥ 128). */
export const DEFAULT_VNODES = 1024;

/** Most members a ring accepts (keeps the packed sort key below 2^53). */
export const MAX_MEMBERS = 1 << 20;

/**
 * The sorted points of a ring: `points[i]` is owned by `members[owners[i]]`.
 * Equal points are ordered by member id, so the lowest id wins a tie.
 */
export interface Continuum {
  /** Distinct member ids, sorted by UTF-16 code units (locale-independent). */
  readonly members: readonly MemberId[];
  /** Ascending unsigned 32-bit points, `members.length × vnodes` of them. */
  readonly points: Uint32Array;
  /** `owners[i]` is the index in `members` of the member owning `points[i]`. */
  readonly owners: Uint32Array;
}

/**
 * Distinct, sorted member ids. Throws `TypeError` on a non-string or empty id and
 * `RangeError` above `MAX_MEMBERS`.
 */
export function normalizeMembers(ids: Iterable<MemberId>): MemberId[] {
  const set = new Set<MemberId>();
  for (const id of ids) {
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError(`ring member ids must be non-empty strings, got ${JSON.stringify(id)}`);
    }
    set.add(id);
  }
  if (set.size > MAX_MEMBERS) {
    throw new RangeError(`a ring holds at most ${MAX_MEMBERS} members, got ${set.size}`);
  }
  return [...set].sort();
}

/** Validated virtual-node count: an integer in [1, 65536]; `undefined` gives `DEFAULT_VNODES`. */
export function normalizeVnodes(vnodes: number | undefined): number {
  if (vnodes === undefined) return DEFAULT_VNODES;
  if (!Number.isInteger(vnodes) || vnodes < 1 || vnodes > 65_536) {
    throw new RangeError(`vnodes must be an integer in [1, 65536], got ${vnodes}`);
  }
  return vnodes;
}

/**
 * Point of virtual node `i` of member `id`: murmur3 (seed 0) of `${id}#${i}`.
 * Pure; part of the placement contract (changing it moves every document).
 */
export function vnodePoint(id: MemberId, i: number): number {
  return murmur3(`${id}#${i}`);
}

/**
 * Builds the continuum of already-normalised `members` (distinct, sorted) with `vnodes`
 * points each. Pure: the same inputs always give the same arrays.
 */
export function buildContinuum(members: readonly MemberId[], vnodes: number): Continuum {
  const count = members.length;
  const total = count * vnodes;
  // Packed sort key point × count + memberIndex: sorts by point, then by member id.
  const packed = new Float64Array(total);
  let k = 0;
  for (let m = 0; m < count; m++) {
    const id = members[m]!;
    for (let i = 0; i < vnodes; i++) packed[k++] = vnodePoint(id, i) * count + m;
  }
  packed.sort();
  const points = new Uint32Array(total);
  const owners = new Uint32Array(total);
  for (let j = 0; j < total; j++) {
    const v = packed[j]!;
    const point = Math.floor(v / count);
    points[j] = point;
    owners[j] = v - point * count;
  }
  return { members, points, owners };
}

/**
 * A bucket index over a continuum's points for O(1) expected lookups: the hash space is cut
 * into `2^bits` equal buckets and `table[b]` is the index of the first point ≥ `b << shift`
 * (`points.length` when none). Sized to about two buckets per point, capped at 2^20.
 */
export interface BucketIndex {
  /** `32 − bits`: a hash's bucket is `hash >>> shift`. */
  readonly shift: number;
  readonly table: Uint32Array;
}

/** Builds the `BucketIndex` of ascending `points`. Pure. */
export function buildBucketIndex(points: Uint32Array): BucketIndex {
  const bits = Math.min(20, Math.max(4, Math.ceil(Math.log2(points.length + 1)) + 1));
  const shift = 32 - bits;
  const buckets = 2 ** bits;
  const table = new Uint32Array(buckets);
  let b = 0;
  for (let j = 0; j < points.length; j++) {
    const bucket = points[j]! >>> shift;
    while (b <= bucket) table[b++] = j;
  }
  while (b < buckets) table[b++] = points.length;
  return { shift, table };
}

/**
 * Index of the first point `>= hash`, wrapping to 0 past the last point (the clockwise
 * successor), via `index` built from the same `points`. Returns 0 for an empty continuum.
 */
export function successorIndex(points: Uint32Array, index: BucketIndex, hash: number): number {
  const total = points.length;
  let i = index.table[hash >>> index.shift]!;
  while (i < total && points[i]! < hash) i++;
  return i === total ? 0 : i;
}
