import { errorMessage, json, jsonError } from '../../../lib/server/http.ts';
import { isOperatorRequest, operatorRequired } from '../../../lib/server/operator.ts';
import { getBackend } from '../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** `GET /api/ring` (operators only, else 401) → `{ epoch, ring: string[], members }` (for the ops page). */
export async function GET(request: Request) {
  if (!isOperatorRequest(request, getBackend().config.operatorToken)) return operatorRequired();
  try {
    const view = await getBackend().view();
    if (!view) return jsonError(503, 'ring view not available yet');
    return json({
      epoch: view.epoch,
      ring: view.ring.members,
      members: [...view.members.values()].map((m) => ({
        id: m.id,
        url: m.publicUrl,
        state: m.state,
        build: m.build,
        startedAt: m.startedAt,
      })),
    });
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
