import type { Etcd3 } from 'etcd3';
import { normalizeMemberUrl } from '../../../client/index.ts';
import {
  createEtcdClient,
  type Logger,
  type MembershipWatcher,
  type RingView,
  routingKey,
  watchMembers,
} from '../../../ring/index.ts';
import { createTicketSigner } from '../../../server/auth/index.ts';
import type { RouteInfo } from '../collab/route-info.ts';
import { type AccessControl, createAccessControl } from './access.ts';
import type { WebConfig } from './config.ts';
import { createDocIndex, type DocIndex } from './doc-index.ts';
import { createNodeMeta, type NodeMeta } from './node-meta.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';

/**
 * The web app's server side: its own etcd client and membership watch (cluster-scale data
 * only), and the document index and links, which live with each document on its owner node.
 */
export interface WebBackend {
  readonly config: WebConfig;
  readonly index: DocIndex;
  /** The documents' owners, reached with the cluster secret. */
  readonly nodes: NodeMeta;
  /** Share links and tickets (SECURITY.md); `access.enabled` is false without a ticket key. */
  readonly access: AccessControl;
  /** Rate limits of the ticket and link endpoints (SECURITY.md). */
  readonly limits: RateLimiter;
  /** The current ring view, waiting up to `timeoutMs` for the first one; `null` if none. */
  view(timeoutMs?: number): Promise<RingView | null>;
  /** The live membership watch (every revision is a change event: the ring dashboard follows it). */
  readonly membership: MembershipWatcher;
  /** Owner look-up for `docId` (`null` when the ring view is not available yet). */
  route(docId: string): Promise<RouteInfo | null>;
  /** The etcd client (read-only uses: the ops page's web rollout panel). */
  readonly etcd: Etcd3;
  close(): Promise<void>;
}

export interface WebBackendDeps {
  readonly log: Logger;
  /** Overrides the etcd client (tests); it is then not closed by `close()`. */
  readonly client?: Etcd3;
}

/** Pure: the route answer for `docId` in `view`. */
export function routeInView(view: RingView, docId: string): RouteInfo {
  const owner = view.ring.ownerOf(routingKey(docId));
  const record = owner === null ? undefined : view.members.get(owner);
  return {
    owner,
    url: record ? normalizeMemberUrl(record.publicUrl) : null,
    epoch: view.epoch,
    members: [...view.members.values()].map((m) => ({
      id: m.id,
      url: normalizeMemberUrl(m.publicUrl) ?? m.publicUrl,
      state: m.state,
    })),
  };
}

/**
 * Creates the backend. The etcd client retries with backoff; the membership watch starts at
 * once and heals itself (see `watchMembers`). Calls reject when etcd stays unreachable.
 */
export function createWebBackend(config: WebConfig, deps: WebBackendDeps): WebBackend {
  const { log } = deps;
  const client = deps.client ?? createEtcdClient({ endpoints: [...config.etcdEndpoints], log });
  const watcher: MembershipWatcher = watchMembers({ client, prefix: config.prefix, log });
  const view = async (timeoutMs = 5000): Promise<RingView | null> => {
    const current = watcher.current();
    if (current) return current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    try {
      return await Promise.race([watcher.ready(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const nodes = createNodeMeta({ view, clusterSecret: config.clusterSecret });
  const index = createDocIndex({ nodes });
  const access = createAccessControl({
    nodes,
    signer: config.ticketPrivateKey
      ? createTicketSigner({
          privateKey: config.ticketPrivateKey,
          ttlSeconds: config.ticketTtlSeconds,
        })
      : null,
  });

  return {
    config,
    etcd: client,
    index,
    nodes,
    access,
    limits: createRateLimiter(),
    view,
    membership: watcher,
    async route(docId) {
      const current = await view();
      return current ? routeInView(current, docId) : null;
    },
    async close() {
      await watcher.close();
      if (!deps.client) client.close();
    },
  };
}
