import { isPageDocId } from '../../../../../lib/doc-ids.ts';
import { parseAccessToken } from '../../../../../lib/server/access.ts';
import {
  errorMessage,
  json,
  jsonError,
  optionalString,
  readJsonObject,
} from '../../../../../lib/server/http.ts';
import { clientAddressOf } from '../../../../../lib/server/rate-limit.ts';
import { getBackend } from '../../../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * `POST /api/docs/<docId>/ticket {access}` → `{ticket, perm, expiresAt}`: exchanges a share
 * link token for a short-lived ticket the nodes verify (PROTOCOL.md P21). 403 when the link is
 * unknown, revoked or of another document; 429 past the rate limits (per link, per client
 * address). With access control off: `{ticket: null, perm: "edit"}`.
 */
export async function POST(request: Request, ctx: { params: Promise<{ docId: string }> }) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  const presented = optionalString(body, 'access');
  if (presented instanceof Response) return presented;
  try {
    const { access, limits } = getBackend();
    if (!access.enabled) return json({ ticket: null, perm: 'edit', expiresAt: null });
    const token = presented ?? '';
    const limited =
      limits.check('ticketAddress', clientAddressOf(request)) ??
      limits.check('ticket', parseAccessToken(token)?.linkId ?? `doc:${docId}`);
    if (limited) return limited;
    const link = token ? await access.resolve(docId, token) : null;
    if (!link)
      return jsonError(403, 'this link does not give access any more (revoked or unknown)');
    return json(await access.ticket(link));
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
