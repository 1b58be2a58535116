import type { MemberState, RingSnapshot } from './types.ts';

/** One membership change between two snapshots: joined (`from: null`), state change, left (`to: null`). */
export interface MembershipChange {
  readonly epoch: number;
  readonly member: string;
  readonly from: MemberState | null;
  readonly to: MemberState | null;
}

/**
 * Pure: the membership changes from `previous` to `next`, by member id (joins and state changes
 * first, then departures). The first snapshot (`previous === null`) is not a change: `[]`.
 */
export function membershipChanges(
  previous: RingSnapshot | null,
  next: RingSnapshot,
): MembershipChange[] {
  if (previous === null) return [];
  const before = new Map(previous.members.map((m) => [m.id, m.state] as const));
  const after = new Set(next.members.map((m) => m.id));
  const out: MembershipChange[] = [];
  for (const m of next.members) {
    const from = before.get(m.id) ?? null;
    if (from !== m.state) out.push({ epoch: next.epoch, member: m.id, from, to: m.state });
  }
  for (const [id, state] of before) {
    if (!after.has(id)) out.push({ epoch: next.epoch, member: id, from: state, to: null });
  }
  return out;
}

/** Human text of a change, e.g. `n4 joined (joining)`, `n2 active → draining`, `n2 left`. */
export function describeChange(change: MembershipChange): string {
  if (change.from === null) return `${change.member} joined (${change.to})`;
  if (change.to === null) return `${change.member} left`;
  return `${change.member} ${change.from} → ${change.to}`;
}
