import { newDocId } from '../../../lib/doc-ids.ts';
import { openDocument } from '../../../lib/server/access-http.ts';
import {
  errorMessage,
  json,
  jsonError,
  optionalString,
  readJsonObject,
} from '../../../lib/server/http.ts';
import { clientAddressOf } from '../../../lib/server/rate-limit.ts';
import { getBackend } from '../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * `GET /api/docs` → `{ docs: DocRecord[] }`, most recently updated first. With access control
 * on, the index is not listed to anyone (`{docs: [], restricted: true}`): titles are private.
 */
export async function GET() {
  try {
    if (getBackend().access.enabled) return json({ docs: [], restricted: true });
    return json({ docs: await getBackend().index.list() });
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}

/**
 * `POST /api/docs {title?}` → `201 { doc, access }`: a new document, already seeded (W4).
 * With access control on, `access.token` is the creator's owner link (returned once), and
 * creations count against the per-address link limit (429).
 */
export async function POST(request: Request) {
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  const title = optionalString(body, 'title');
  if (title instanceof Response) return title;
  try {
    const backend = getBackend();
    // Each creation writes a document and, with access control on, its owner link.
    const limited = backend.access.enabled
      ? backend.limits.check('linksAddress', clientAddressOf(request))
      : null;
    if (limited) return limited;
    const opened = await openDocument(backend, newDocId(), { title });
    if (opened instanceof Response) return opened;
    return json(opened, 201);
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
