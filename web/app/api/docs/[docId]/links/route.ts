import { isPageDocId } from '../../../../../lib/doc-ids.ts';
import { publicLink, requireLink } from '../../../../../lib/server/access-http.ts';
import { errorMessage, json, jsonError, readJsonObject } from '../../../../../lib/server/http.ts';
import { clientAddressOf } from '../../../../../lib/server/rate-limit.ts';
import { getBackend } from '../../../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ docId: string }> };

/** `GET /api/docs/<docId>/links` (owner token as `Authorization: Bearer`) → `{links}`. */
export async function GET(request: Request, ctx: Ctx) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  try {
    const { access, limits } = getBackend();
    if (!access.enabled) return jsonError(404, 'access control is off: documents are open');
    const limited =
      limits.check('linksAddress', clientAddressOf(request)) ?? limits.check('links', docId);
    if (limited) return limited;
    const owner = await requireLink(access, docId, request, ['owner']);
    if (owner instanceof Response) return owner;
    return json({ links: (await access.listLinks(docId)).map(publicLink) });
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}

/** `POST /api/docs/<docId>/links {perm: "edit"|"view"}` (owner) → `201 {link, token}`. */
export async function POST(request: Request, ctx: Ctx) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  if (body.perm !== 'edit' && body.perm !== 'view') {
    return jsonError(400, 'perm must be "edit" or "view"');
  }
  try {
    const { access, limits } = getBackend();
    if (!access.enabled) return jsonError(404, 'access control is off: documents are open');
    const limited =
      limits.check('linksAddress', clientAddressOf(request)) ?? limits.check('links', docId);
    if (limited) return limited;
    const owner = await requireLink(access, docId, request, ['owner']);
    if (owner instanceof Response) return owner;
    const { link, token } = await access.createLink(docId, body.perm);
    return json({ link: publicLink(link), token }, 201);
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
