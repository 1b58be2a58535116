import { AccessDenied, type TicketGrant } from '../../../client/index.ts';

/** Tickets and their refusal are the protocol client's (`client/tickets.ts`). */
export { AccessDenied, type TicketGrant };

const TOKEN = /^[A-Za-z0-9_-]{8,64}\.[A-Za-z0-9_-]{20,128}$/;

/** The localStorage key of this browser's link token for `docId`. */
export function accessKey(docId: string): string {
  return `ringdoc:access:${docId}`;
}

/** This browser's link token for `docId`, or `null`. Never throws. */
export function loadAccess(storage: Pick<Storage, 'getItem'>, docId: string): string | null {
  try {
    const token = storage.getItem(accessKey(docId));
    return token && TOKEN.test(token) ? token : null;
  } catch {
    return null;
  }
}

/** Remembers a link token for `docId` (ignored when it is not one). Never throws. */
export function saveAccess(storage: Pick<Storage, 'setItem'>, docId: string, token: string): void {
  if (!TOKEN.test(token)) return;
  try {
    storage.setItem(accessKey(docId), token);
  } catch {
    /* private mode: the token lives as long as the page */
  }
}

/**
 * The token in a share URL's fragment (`#access=<token>`), or `null`. The fragment never
 * reaches a server (not in request lines, logs or Referer), which is why links carry it there.
 */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get('access');
  return token && TOKEN.test(token) ? token : null;
}

/** The URL to share for a link token. */
export function shareUrl(origin: string, docId: string, token: string): string {
  return `${origin}/d/${docId}#access=${token}`;
}

/**
 * Asks the web app for a ticket (`POST /api/docs/<docId>/ticket`). Resolves `null` when access
 * control is off; rejects with {@link AccessDenied} on 403 and with `Error` on other failures
 * (network, 5xx: worth retrying).
 */
export async function fetchTicket(docId: string, token: string): Promise<TicketGrant | null> {
  const response = await fetch(`/api/docs/${docId}/ticket`, {
    method: 'POST',
    cache: 'no-store',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ access: token }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 403) {
    throw new AccessDenied(typeof body.error === 'string' ? body.error : 'access denied');
  }
  if (!response.ok) throw new Error(`ticket request failed: HTTP ${response.status}`);
  return parseTicketGrant(body);
}

/** Parses a ticket answer; `null` for `{ticket: null}` (access control off). Throws `TypeError`. */
export function parseTicketGrant(body: unknown): TicketGrant | null {
  if (typeof body !== 'object' || body === null) throw new TypeError('ticket: not an object');
  const b = body as Record<string, unknown>;
  if (b.ticket === null) return null;
  if (typeof b.ticket !== 'string' || (b.perm !== 'edit' && b.perm !== 'view')) {
    throw new TypeError('ticket: wrong shape');
  }
  if (typeof b.expiresAt !== 'number') throw new TypeError('ticket: expiresAt missing');
  return { ticket: b.ticket, perm: b.perm, expiresAt: b.expiresAt };
}
