/** A member id as registered in etcd (`members/<id>`). */
export type MemberId = string;

/**
 * An immutable consistent-hash ring over a set of member ids.
 *
 * Contract (DESIGN R1–R3): a pure function of the member *set* — the same ids in any
 * order give the same owner for every key. Keys are routed by their routing key
 * (`routingKey`): `docId` and `docId/<sub>` land on the same member.
 */
export interface Ring {
  /** Distinct member ids, sorted. */
  readonly members: readonly MemberId[];
  /** Virtual nodes per member this ring was built with. */
  readonly vnodes: number;
  /** Owner of `key`, or `null` when the ring has no members ("no owner"). */
  ownerOf(key: string): MemberId | null;
  /** Owner then the next distinct members clockwise; at most `min(n, members.length)` ids. */
  preferenceList(key: string, n: number): MemberId[];
  /** True when `id` is in the ring. */
  has(id: MemberId): boolean;
}

/** An arc of the 32-bit hash space `(start, end]` (wrapping) whose owner changed. */
export interface MovedRange {
  /** Exclusive start point on the ring. */
  readonly start: number;
  /** Inclusive end point on the ring. */
  readonly end: number;
  readonly from: MemberId | null;
  readonly to: MemberId | null;
}

export interface RingOptions {
  /** Virtual nodes per member (default 1024, DESIGN R2 asks for ≥ 128; 1024 keeps max/mean load ≤ 1.15 for 40/40 random 10-member sets). */
  readonly vnodes?: number;
}
