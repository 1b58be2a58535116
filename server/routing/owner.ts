import { routingKey } from '../../ring/core/routing-key.ts';
import type { RingView } from '../../ring/etcd/types.ts';

/** The owner decision for one document on one node (C2). */
export type OwnerDecision =
  | { readonly kind: 'serve' }
  | {
      readonly kind: 'redirect';
      readonly owner: string;
      readonly url: string;
      readonly epoch: number;
    }
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * Pure: who serves `docId` given a membership view. A node serves the documents the ring
 * assigns to it; everyone else is redirected to the owner's public URL; an empty ring or an
 * owner without a known URL is `unavailable` (the client retries).
 */
export function decideOwner(view: RingView | null, selfId: string, docId: string): OwnerDecision {
  if (!view) return { kind: 'unavailable', reason: 'membership view not ready' };
  const owner = view.ring.ownerOf(routingKey(docId));
  if (owner === null) return { kind: 'unavailable', reason: 'no active member owns documents' };
  if (owner === selfId) return { kind: 'serve' };
  const record = view.members.get(owner);
  if (!record) return { kind: 'unavailable', reason: `owner ${owner} has no member record` };
  return { kind: 'redirect', owner, url: record.publicUrl, epoch: view.epoch };
}

/** JSON answer of `GET /route/<docId>`. */
export interface RouteAnswer {
  readonly owner: string | null;
  readonly url: string | null;
  readonly epoch: number;
  readonly replicas: readonly string[];
}

/** The route of `docId` in `view` (owner, its URL, and the rest of the preference list). */
export function routeOf(view: RingView, docId: string, replicas = 2): RouteAnswer {
  const key = routingKey(docId);
  const list = view.ring.preferenceList(key, replicas);
  const owner = list[0] ?? null;
  return {
    owner,
    url: owner ? (view.members.get(owner)?.publicUrl ?? null) : null,
    epoch: view.epoch,
    replicas: list.slice(1),
  };
}
