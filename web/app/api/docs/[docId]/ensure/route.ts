import { isPageDocId } from '../../../../../lib/doc-ids.ts';
import { openDocument } from '../../../../../lib/server/access-http.ts';
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
 * `POST /api/docs/<docId>/ensure {title?, access?, create?}` → `{ doc, access }`. With
 * `create: false` (how the editor page opens an address) an unknown document is a 404 and
 * nothing is created, so a mistyped link never makes a blank document; a deleted document is
 * a 410 and is never re-created; a document with content but no index entry is a 409 (only an
 * operator can adopt it). Idempotent: the owner node creates the entry if absent and writes
 * the initial content exactly once across all callers (W4), answering once both are durable.
 * With access control on (SECURITY.md), whoever creates the document gets its owner link
 * (`access.token`, once); an existing document needs a valid link token in `access`, else
 * 403. Rate-limited per client address (`ensureAddress`, 429).
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
  if (body.create !== undefined && typeof body.create !== 'boolean') {
    return jsonError(400, 'create must be a boolean');
  }
  try {
    const backend = getBackend();
    // Each call may create a document (its metadata and content on its owner node).
    const limited = backend.limits.check('ensureAddress', clientAddressOf(request));
    if (limited) return limited;
    const opened = await openDocument(backend, docId, {
      title,
      presented,
      ...(body.create === false ? { create: false } : {}),
    });
    if (opened instanceof Response) return opened;
    return json(opened);
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
