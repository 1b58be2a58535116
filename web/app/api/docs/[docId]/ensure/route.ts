import { isPageDocId } from '../../../../../lib/doc-ids.ts';
import { admitToDocument } from '../../../../../lib/server/access-http.ts';
import {
  errorMessage,
  json,
  jsonError,
  optionalString,
  readJsonObject,
} from '../../../../../lib/server/http.ts';
import { getBackend } from '../../../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * `POST /api/docs/<docId>/ensure {title?, access?, create?}` → `{ doc, access }`. With
 * `create: false` (how the editor page opens an address) an unknown document is a 404 and
 * nothing is created, so a mistyped link never makes a blank document; a deleted document is
 * a 410 and is never re-created. Idempotent: creates
 * the index record if absent and writes the initial content exactly once across all callers
 * (W4); answers once the content is durable on the owner node. With access control on
 * (SECURITY.md), whoever creates the document gets its owner link (`access.token`, once);
 * an existing document needs a valid link token in `access`, else 403.
 */
export async function POST(request: Request, ctx: { params: Promise<{ docId: string }> }) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  const title = optionalString(body, 'title');
  if (title instanceof Response) return title;
  const presented = optionalString(body, 'access');
  if (presented instanceof Response) return presented;
  try {
    const backend = getBackend();
    const existing = await backend.index.get(docId);
    if (existing?.deletedAt) return jsonError(410, 'this document was deleted');
    if (body.create !== undefined && typeof body.create !== 'boolean') {
      return jsonError(400, 'create must be a boolean');
    }
    if (body.create === false && !existing) return jsonError(404, 'no such document');
    const gate = await admitToDocument(backend, docId, title, presented);
    if (gate instanceof Response) return gate;
    const doc = await backend.ensure(docId, title);
    return json({ doc, access: gate });
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
