import type { RingView } from '../../ring/index.ts';
import type { LinkStatus } from '../coordination/coordination.ts';
import { decideOwner } from '../routing/owner.ts';
import type { MetaLink } from './meta-doc.ts';

/** The HTTP base (`http://host:port`) of a member's WebSocket URL. */
export function httpBaseOf(publicUrl: string): string {
  return publicUrl.replace(/^ws(s?):\/\//i, 'http$1://').replace(/\/+$/, '');
}

/** Runs `op` on `docId`'s metadata at the node `base` (`POST /meta/<docId>`, cluster secret). */
export async function postMeta(
  node: { readonly base: string; readonly clusterSecret: string; readonly fetch?: typeof fetch },
  docId: string,
  op: string,
  args: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await (node.fetch ?? fetch)(`${node.base}/meta/${encodeURIComponent(docId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ringdoc-cluster-secret': node.clusterSecret },
    body: JSON.stringify({ op, args }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}

export interface LinkLookupDeps {
  readonly selfId: string;
  readonly view: () => RingView | null;
  /** The owner's own copy (this node owns the document). */
  readonly local: (docId: string, linkId: string) => Promise<MetaLink | null>;
  /** Sent as `x-ringdoc-cluster-secret` to the owner. */
  readonly clusterSecret: string;
  readonly fetch?: typeof fetch;
  /** Longest wait for the owner's answer (default 5 s). */
  readonly timeoutMs?: number;
}

/** The state of a link as its document's owner keeps it. */
export function linkStatusOf(link: MetaLink | null): LinkStatus {
  if (!link) return { state: 'absent' };
  if (link.revoked) return { state: 'revoked' };
  return { state: 'live', doc: link.doc, perm: link.perm };
}

/**
 * Where a node reads a ticket's link at admission (P21): in the document's own metadata
 * (`<docId>/meta`) on the node that owns the document — from its own copy when that is this
 * node, else by asking the owner at its internal URL (`POST /meta/<docId>` `link.get`, cluster
 * secret). Rejects
 * when no owner answers (the guard then closes with 4503: fail closed).
 */
export function createLinkLookup(
  deps: LinkLookupDeps,
): (linkId: string, docId: string) => Promise<LinkStatus> {
  const doFetch = deps.fetch ?? fetch;
  return async (linkId, docId) => {
    const decision = decideOwner(deps.view(), deps.selfId, docId);
    if (decision.kind === 'serve') return linkStatusOf(await deps.local(docId, linkId));
    if (decision.kind === 'unavailable') throw new Error(decision.reason);
    const internal = deps.view()?.members.get(decision.owner)?.internalUrl ?? decision.url;
    const response = await postMeta(
      { base: httpBaseOf(internal), clusterSecret: deps.clusterSecret, fetch: doFetch },
      docId,
      'link.get',
      { id: linkId },
      deps.timeoutMs ?? 5000,
    );
    if (response.status !== 200) {
      throw new Error(`owner ${decision.owner} answered ${response.status} for link ${linkId}`);
    }
    return linkStatusOf((response.body.link as MetaLink | null | undefined) ?? null);
  };
}
