import { newDocId } from '../../../lib/doc-ids.ts';
import { errorMessage, json, jsonError, readJsonObject } from '../../../lib/server/http.ts';
import { getBackend } from '../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** `GET /api/docs` → `{ docs: DocRecord[] }`, most recently updated first. */
export async function GET() {
  try {
    return json({ docs: await getBackend().index.list() });
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}

/** `POST /api/docs {title?}` → `201 { doc }`: a new document, already seeded (W4). */
export async function POST(request: Request) {
  const body = await readJsonObject(request);
  const title = typeof body.title === 'string' ? body.title : undefined;
  try {
    const doc = await getBackend().ensure(newDocId(), title);
    return json({ doc }, 201);
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
