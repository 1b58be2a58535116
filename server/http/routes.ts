import type { RingView } from '../../ring/etcd/types.ts';
import type { OperatorCheck } from '../auth/operator.ts';
import { ProtocolError, parseDocId } from '../protocol/index.ts';
import { routeOf } from '../routing/owner.ts';
import type { HttpHandler, HttpReply, HttpRequestHeaders } from '../transport/transport.ts';

export interface NodeStatus {
  readonly id: string;
  /** Copies per document (`--replicas`): the length of the preference list `/route` shows. */
  readonly replicas: number;
  readonly view: () => RingView | null;
  /** `null` when ready, else why not (N6). */
  readonly notReadyReason: () => string | null;
  readonly metricsText: () => string;
  readonly stats: () => Record<string, number | boolean | string>;
  /** Documents this node holds: loaded in memory and stored on disk. */
  readonly documents: () => Promise<{ loaded: string[]; stored: string[] }>;
  /** Who may read `/docs` (the cluster secret or the operator token). */
  readonly operators: OperatorCheck;
  /** Browser origins that may read these endpoints cross-origin (CORS); `null`: none. */
  readonly allowedOrigins: readonly string[] | null;
  /** More GET handlers (given the same CORS headers). */
  readonly extra?: Record<string, HttpHandler>;
}

const json = (status: number, body: unknown): HttpReply => ({
  status,
  contentType: 'application/json',
  body: `${JSON.stringify(body)}\n`,
});

/**
 * HTTP endpoints of a node (N6, C2): `/healthz`, `/readyz`, `/metrics`, `/ring`,
 * `/route/<docId>`, and `/docs` (the document ids this node holds), which answers only the
 * cluster secret or the operator token (401 otherwise, SECURITY.md). Cross-origin reads are
 * allowed only for the configured origins (no `access-control-allow-origin: *`).
 */
export function createNodeRoutes(status: NodeStatus): Record<string, HttpHandler> {
  const cors = (headers: HttpRequestHeaders): Record<string, string> =>
    headers.origin !== '' && status.allowedOrigins?.includes(headers.origin)
      ? { 'access-control-allow-origin': headers.origin, vary: 'origin' }
      : { vary: 'origin' };
  const routes: Record<string, HttpHandler> = {
    ...status.extra,
    '/docs': async (_path, _query, headers) => {
      if (!status.operators.authorized(headers)) {
        return {
          ...json(401, { error: 'the cluster secret or an operator token is required' }),
          headers: { 'www-authenticate': 'Bearer realm="ringdoc"' },
        };
      }
      return json(200, { node: status.id, ...(await status.documents()) });
    },
    '/healthz': () => ({ status: 200, body: 'ok\n' }),
    '/readyz': () => {
      const reason = status.notReadyReason();
      return reason === null
        ? { status: 200, body: 'ready\n' }
        : { status: 503, body: `${reason}\n` };
    },
    '/metrics': () => ({
      status: 200,
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      body: status.metricsText(),
    }),
    '/ring': () => {
      const view = status.view();
      if (!view) return json(503, { error: 'membership view not ready' });
      return json(200, {
        self: status.id,
        epoch: view.epoch,
        ring: { members: view.ring.members, vnodes: view.ring.vnodes },
        members: [...view.members.values()],
        stats: status.stats(),
      });
    },
    '/route/*': (path) => {
      const raw = path.slice('/route/'.length);
      try {
        parseDocId(raw);
      } catch (error) {
        if (error instanceof ProtocolError) return json(400, { error: error.reason });
        throw error;
      }
      const view = status.view();
      if (!view) return json(503, { error: 'membership view not ready' });
      const route = routeOf(view, raw, status.replicas);
      if (route.owner === null) return json(503, { error: 'no active member', epoch: view.epoch });
      return json(200, route);
    },
  };
  return Object.fromEntries(
    Object.entries(routes).map(([pattern, handler]) => [
      pattern,
      async (path: string, query: string, headers: HttpRequestHeaders, body?: string) => {
        const reply = await handler(path, query, headers, body);
        return { ...reply, headers: { ...cors(headers), ...reply.headers } };
      },
    ]),
  );
}
