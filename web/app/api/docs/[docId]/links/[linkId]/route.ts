import { isPageDocId } from '../../../../../../lib/doc-ids.ts';
import { publicLink, requireLink } from '../../../../../../lib/server/access-http.ts';
import { errorMessage, json, jsonError } from '../../../../../../lib/server/http.ts';
import { clientAddressOf } from '../../../../../../lib/server/rate-limit.ts';
import { getBackend } from '../../../../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * `DELETE /api/docs/<docId>/links/<linkId>` (owner) → `{link}`: revokes the link. The
 * document's owner node writes the tombstone and closes the sockets of its tickets (4403) at
 * once; every other node is told (`POST /revoke`) and closes its own.
 */
export async function DELETE(
  request: Request,
  ctx: { params: Promise<{ docId: string; linkId: string }> },
) {
  const { docId, linkId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  try {
    const { access, limits } = getBackend();
    if (!access.enabled) return jsonError(404, 'access control is off: documents are open');
    const limited =
      limits.check('linksAddress', clientAddressOf(request)) ?? limits.check('links', docId);
    if (limited) return limited;
    const owner = await requireLink(access, docId, request, ['owner']);
    if (owner instanceof Response) return owner;
    if (owner && owner.id === linkId) return jsonError(400, 'the owner link cannot be revoked');
    const link = await access.revokeLink(docId, linkId);
    return link ? json({ link: publicLink(link) }) : jsonError(404, 'no such link');
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
