import { isPageDocId } from '../../../../lib/doc-ids.ts';
import { errorMessage, json, jsonError } from '../../../../lib/server/http.ts';
import { getBackend } from '../../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** `GET /api/route/<docId>` → `{ owner, url, epoch, members }` from the web app's etcd watch. */
export async function GET(_request: Request, ctx: { params: Promise<{ docId: string }> }) {
  const { docId } = await ctx.params;
  if (!isPageDocId(docId)) return jsonError(400, 'bad document id');
  try {
    const route = await getBackend().route(docId);
    if (!route) return jsonError(503, 'ring view not available yet');
    if (route.owner === null) return json(route, 503);
    return json(route);
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
