import { routingKey } from '../../ring/core/routing-key.ts';
import type { RingView } from '../../ring/etcd/types.ts';

/** A member to send document state to. */
export interface Target {
  readonly id: string;
  readonly internalUrl: string;
}

/**
 * The holders of `docId` in `view` other than `selfId`: its preference list of `replicas`
 * members (owner first), restricted to members with a record (DESIGN N3).
 */
export function holdersOf(
  view: RingView,
  docId: string,
  replicas: number,
  selfId: string,
): Target[] {
  const out: Target[] = [];
  for (const id of view.ring.preferenceList(routingKey(docId), replicas)) {
    if (id === selfId) continue;
    const record = view.members.get(id);
    if (record) out.push({ id, internalUrl: record.internalUrl });
  }
  return out;
}

/**
 * Everyone who may hold a copy of `docId`: the preference lists of the recent views (newest
 * first), other than `selfId`, among members alive in `current`. Used to pull state on load
 * (DESIGN M1, M4): after a join the previous owner has it; after a crash, the replica.
 */
export function possibleHolders(
  history: readonly RingView[],
  current: RingView,
  docId: string,
  replicas: number,
  selfId: string,
): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  const key = routingKey(docId);
  for (const view of [current, ...history]) {
    for (const id of view.ring.preferenceList(key, replicas)) {
      if (id === selfId || seen.has(id)) continue;
      seen.add(id);
      const record = current.members.get(id);
      if (record) out.push({ id, internalUrl: record.internalUrl });
    }
  }
  return out;
}
