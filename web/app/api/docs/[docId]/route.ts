import { isPageDocId } from '../../../../lib/doc-ids.ts';
import { requireLink } from '../../../../lib/server/access-http.ts';
import { errorMessage, json, jsonError, readJsonObject } from '../../../../lib/server/http.ts';
import { getBackend } from '../../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ docId: string }> };

/** `GET /api/docs/<docId>` → `{ doc }` or 404. */
export async function GET(_request: Request, ctx: Ctx) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  try {
    const denied = await requireLink(getBackend().access, docId, _request, [
      'owner',
      'edit',
      'view',
    ]);
    if (denied instanceof Response) return denied;
    const doc = await getBackend().index.get(docId);
    return doc && doc.deletedAt === null ? json({ doc }) : jsonError(404, 'no such document');
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}

/**
 * `DELETE /api/docs/<docId>` → `{ doc }`: deletes the document from the list (owner link with
 * access control on). It is no longer listed or opened; the id is never reused.
 */
export async function DELETE(request: Request, ctx: Ctx) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  try {
    const denied = await requireLink(getBackend().access, docId, request, ['owner']);
    if (denied instanceof Response) return denied;
    const doc = await getBackend().index.remove(docId);
    return doc ? json({ doc }) : jsonError(404, 'no such document');
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}

/**
 * `PATCH /api/docs/<docId> {title}` → `{ doc }`: rename. `{edited: true}` records a content
 * edit now instead (editor tabs send it at most once a minute, for "last edited").
 */
export async function PATCH(request: Request, ctx: Ctx) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  const touch = body.edited === true;
  if (!touch && typeof body.title !== 'string') return jsonError(400, 'title must be a string');
  try {
    const denied = await requireLink(getBackend().access, docId, request, ['owner', 'edit']);
    if (denied instanceof Response) return denied;
    const { index } = getBackend();
    const doc = touch ? await index.touch(docId) : await index.rename(docId, String(body.title));
    return doc ? json({ doc }) : jsonError(404, 'no such document');
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
