import { createKeyspace } from '../../../../../ring/index.ts';
import {
  parseBuildCounters,
  parseGatewayRouting,
  parseWebRollout,
  sumCounters,
} from '../../../../../server/rollout/index.ts';
import { errorMessage, json, jsonError } from '../../../../lib/server/http.ts';
import { isOperatorRequest, operatorRequired } from '../../../../lib/server/operator.ts';
import { getBackend } from '../../../../lib/server/runtime.ts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const httpBase = (url: string) => url.replace(/^ws(s?):\/\//, 'http$1://').replace(/\/+$/, '');

/**
 * `GET /api/ops/rollout` (operators only) → `{ routing, rollout, builds }`: the web builds the
 * gateway serves (`web-gateway`), the web rollout (`rollouts/web`, its steps, history and
 * reason) and per-build health now (the nodes' per-client-build counters summed), for `/ops`.
 * A record that does not parse is reported as `{ error }` in its place.
 */
export async function GET(request: Request) {
  const backend = getBackend();
  if (!isOperatorRequest(request, backend.config.operatorToken)) return operatorRequired();
  try {
    const keys = createKeyspace(backend.config.prefix);
    const [routingText, rolloutText, view] = await Promise.all([
      backend.etcd.get(keys.webGatewayKey()).string(),
      backend.etcd.get(keys.rolloutKey('web')).string(),
      backend.view(),
    ]);
    const routing = routingText === null ? null : parseGatewayRouting(routingText);
    const rollout = rolloutText === null ? null : parseWebRollout(rolloutText);
    const members = view ? [...view.members.values()] : [];
    const texts = await Promise.all(
      members.map(async (m) => {
        try {
          const r = await fetch(`${httpBase(m.internalUrl)}/metrics`, {
            signal: AbortSignal.timeout(2000),
          });
          return r.status === 200 ? await r.text() : null;
        } catch {
          return null;
        }
      }),
    );
    const sums = sumCounters(texts.filter((t): t is string => t !== null).map(parseBuildCounters));
    return json({
      routing: routing instanceof Error ? { error: routing.message } : routing,
      rollout: rollout instanceof Error ? { error: rollout.message } : rollout,
      builds: [...sums].map(([build, counters]) => ({ build, ...counters })),
      nodesAnswering: texts.filter((t) => t !== null).length,
      nodes: members.length,
    });
  } catch (error) {
    return jsonError(503, errorMessage(error));
  }
}
