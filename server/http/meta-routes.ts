import type { OperatorCheck } from '../auth/operator.ts';
import type { MetaService } from '../meta/meta-service.ts';
import { isValidDocId } from '../protocol/index.ts';
import type { HttpHandler, HttpReply, HttpRequestHeaders } from '../transport/transport.ts';

export interface MetaRoutesDeps {
  readonly meta: MetaService;
  /** The cluster secret or the operator token (the web app sends the secret). */
  readonly operators: OperatorCheck;
  /** Page documents whose metadata this node owns now (for the listing). */
  readonly ownedDocuments: () => Promise<string[]>;
  /** Closes the sockets holding tickets of a revoked link; returns how many. */
  readonly revoke: (linkId: string) => number;
}

const json = (status: number, body: unknown): HttpReply => ({
  status,
  contentType: 'application/json',
  body: `${JSON.stringify(body)}\n`,
});

const UNAUTHORIZED = json(401, { error: 'the cluster secret or an operator token is required' });

function parseBody(body: string | undefined): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body ?? '');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The web app's endpoints for per-document data kept with the documents (PROTOCOL K1–K5),
 * every one behind the cluster secret (or the operator token):
 * `POST /meta/<docId> {op, args}` runs an operation on the document's metadata on its owner
 * (421 elsewhere), `GET /meta-index` lists the index entries of the documents this node owns,
 * `POST /revoke {linkId}` closes this node's sockets holding tickets of a revoked link.
 */
export function createMetaRoutes(deps: MetaRoutesDeps): {
  get: Record<string, HttpHandler>;
  post: Record<string, HttpHandler>;
} {
  const guarded =
    (handler: HttpHandler): HttpHandler =>
    (path, query, headers: HttpRequestHeaders, body) =>
      deps.operators.authorized(headers) ? handler(path, query, headers, body) : UNAUTHORIZED;
  return {
    get: {
      '/meta-index': guarded(async () => {
        const docs = await deps.meta.entries(await deps.ownedDocuments());
        return json(200, { docs });
      }),
    },
    post: {
      '/meta/*': guarded(async (path, _query, _headers, body) => {
        const docId = decodeURIComponent(path.slice('/meta/'.length));
        if (!isValidDocId(docId) || docId.includes('/')) {
          return json(400, { error: 'not a page document id' });
        }
        const request = parseBody(body);
        if (!request || typeof request.op !== 'string') {
          return json(400, { error: 'the body must be JSON {op, args?}' });
        }
        const args = request.args ?? {};
        if (typeof args !== 'object' || args === null || Array.isArray(args)) {
          return json(400, { error: 'args must be a JSON object' });
        }
        const reply = await deps.meta.handle(docId, request.op, args as Record<string, unknown>);
        return json(reply.status, reply.body);
      }),
      '/revoke': guarded((_path, _query, _headers, body) => {
        const request = parseBody(body);
        if (!request || typeof request.linkId !== 'string') {
          return json(400, { error: 'the body must be JSON {linkId}' });
        }
        return json(200, { closed: deps.revoke(request.linkId) });
      }),
    },
  };
}
