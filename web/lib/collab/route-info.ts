import type { KnownMember } from '../../../client/index.ts';

/** JSON answer of the web app's `GET /api/route/<docId>` (owner look-up from its etcd watch). */
export interface RouteInfo {
  /** Owner member id, `null` when no member is active. */
  readonly owner: string | null;
  /** Owner's public WebSocket base URL. */
  readonly url: string | null;
  /** Ring epoch (etcd revision) of the view that answered. */
  readonly epoch: number;
  /** Every registered member with its public URL and state. */
  readonly members: readonly (KnownMember & { readonly state: string })[];
}

/** Parses a route answer; throws `TypeError` on a body of the wrong shape. */
export function parseRouteInfo(body: unknown): RouteInfo {
  if (typeof body !== 'object' || body === null) throw new TypeError('route: not an object');
  const b = body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  if (!Array.isArray(b.members)) throw new TypeError('route: members missing');
  const members = b.members.flatMap((m: unknown) => {
    if (typeof m !== 'object' || m === null) return [];
    const r = m as Record<string, unknown>;
    const id = str(r.id);
    const url = str(r.url);
    return id && url ? [{ id, url, state: str(r.state) ?? 'active' }] : [];
  });
  return {
    owner: str(b.owner),
    url: str(b.url),
    epoch: typeof b.epoch === 'number' && Number.isSafeInteger(b.epoch) ? b.epoch : 0,
    members,
  };
}

/** Fetches `/api/route/<docId>` from the page's origin. Rejects on network or HTTP errors. */
export async function fetchRoute(docId: string, signal?: AbortSignal): Promise<RouteInfo> {
  const response = await fetch(`/api/route/${docId}`, {
    cache: 'no-store',
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw new Error(`route look-up failed: HTTP ${response.status}`);
  return parseRouteInfo(await response.json());
}
