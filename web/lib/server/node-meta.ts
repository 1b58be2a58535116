import { type RingView, routingKey } from '../../../ring/index.ts';

/** The HTTP base (`http://host:port`) of a member's WebSocket URL (its internal one: same port). */
const httpBaseOf = (publicUrl: string) =>
  publicUrl.replace(/^ws(s?):\/\//i, 'http$1://').replace(/\/+$/, '');

/** An answer of a node's metadata endpoint. */
export interface NodeReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * The web app's way to the per-document data kept with each document on its owner node
 * (`<docId>/meta`, PROTOCOL K1–K5): nothing of it is in etcd. Every call goes to the member's
 * internal URL (what servers reach each other by) with the cluster secret.
 */
export interface NodeMeta {
  /**
   * Runs `op` on `docId`'s metadata on its owner; follows ownership moves (421), retries while
   * no owner answers (network errors, 503) until the deadline, then rejects. Any other status
   * (200, 201, 400, 404, 409) is returned as it is.
   */
  call(docId: string, op: string, args?: Record<string, unknown>): Promise<NodeReply>;
  /** The index entries of every document, from every member's `/meta-index`, merged. */
  listAll(): Promise<Array<Record<string, unknown>>>;
  /** Tells every member that `linkId` was revoked (closes its sockets there). Best effort. */
  announceRevocation(linkId: string): Promise<void>;
}

export interface NodeMetaOptions {
  /** The web app's ring view (waits for the first one). */
  readonly view: () => Promise<RingView | null>;
  readonly clusterSecret: string;
  readonly fetch?: typeof fetch;
  /** Longest time one `call` keeps retrying (default 20 s). */
  readonly timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the client. */
export function createNodeMeta(options: NodeMetaOptions): NodeMeta {
  const doFetch = options.fetch ?? fetch;
  const headers = {
    'content-type': 'application/json',
    'x-ringdoc-cluster-secret': options.clusterSecret,
  };
  const memberBases = (view: RingView) =>
    [...view.members.values()]
      .filter((m) => view.ring.members.includes(m.id))
      .map((m) => httpBaseOf(m.internalUrl));

  return {
    async call(docId, op, args = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 20_000);
      let lastError = 'no owner known';
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) {
          if (Date.now() > deadline) {
            throw new Error(`document ${docId}: its owner did not answer (${lastError})`);
          }
          await sleep(Math.min(50 * 2 ** Math.min(attempt, 5), 1000));
        }
        const view = await options.view();
        const owner = view?.ring.ownerOf(routingKey(docId));
        const record = owner ? view?.members.get(owner) : undefined;
        if (!record) continue;
        try {
          const response = await doFetch(
            `${httpBaseOf(record.internalUrl)}/meta/${encodeURIComponent(docId)}`,
            {
              method: 'POST',
              headers,
              body: JSON.stringify({ op, args }),
              signal: AbortSignal.timeout(10_000),
            },
          );
          const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
          if (response.status === 421 || response.status === 503) {
            lastError = `${owner} answered ${response.status}: ${String(body.error ?? '')}`;
            continue;
          }
          if (response.status === 401) {
            throw new Error(
              'the nodes refused the cluster secret: set RINGDOC_CLUSTER_SECRET for the web app',
            );
          }
          return { status: response.status, body };
        } catch (error) {
          if (error instanceof Error && error.message.includes('cluster secret')) throw error;
          lastError = error instanceof Error ? error.message : String(error);
        }
      }
    },
    async listAll() {
      const view = await options.view();
      if (!view) throw new Error('no ring view yet');
      const lists = await Promise.all(
        memberBases(view).map(async (base) => {
          const response = await doFetch(`${base}/meta-index`, {
            headers,
            signal: AbortSignal.timeout(10_000),
          });
          if (response.status !== 200) {
            throw new Error(`${base}/meta-index answered ${response.status}`);
          }
          const body = (await response.json()) as { docs?: unknown };
          return Array.isArray(body.docs) ? (body.docs as Array<Record<string, unknown>>) : [];
        }),
      );
      // During a move two members may both list a document: keep one entry per id.
      const byId = new Map<string, Record<string, unknown>>();
      for (const entry of lists.flat()) {
        if (typeof entry.id === 'string') byId.set(entry.id, entry);
      }
      return [...byId.values()];
    },
    async announceRevocation(linkId) {
      const view = await options.view();
      if (!view) return;
      await Promise.allSettled(
        [...view.members.values()].map((m) =>
          doFetch(`${httpBaseOf(m.internalUrl)}/revoke`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ linkId }),
            signal: AbortSignal.timeout(5000),
          }),
        ),
      );
    },
  };
}
