import { isPageDocId } from '../../../../../lib/doc-ids.ts';
import { errorMessage, json, jsonError, readJsonObject } from '../../../../../lib/server/http.ts';
import { getBackend } from '../../../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * `POST /api/docs/<docId>/ensure {title?}` → `{ doc }`. Idempotent: creates the index record
 * if absent and writes the initial content exactly once across all callers (W4); answers
 * once the content is durable on the owner node.
 */
export async function POST(request: Request, ctx: { params: Promise<{ docId: string }> }) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  const body = await readJsonObject(request);
  try {
    const doc = await getBackend().ensure(
      docId,
      typeof body.title === 'string' ? body.title : undefined,
    );
    return json({ doc });
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
