import {
  type Backoff,
  type Clock,
  type Connection,
  createBackoff,
  createConnection,
  type KnownMember,
  knownIn,
  normalizeMemberUrl,
  type RedirectPolicy,
  type TicketGrant,
  type WebSocketLike,
  webSocketOpener,
} from '../../../client/index.ts';
import { pickFailover } from './failover.ts';
import type { LocalStore } from './local-store.ts';
import { fetchRoute as defaultFetchRoute, type RouteInfo } from './route-info.ts';

/** The subset of the browser `WebSocket` the provider uses (injectable for tests). */
export type SocketLike = WebSocketLike;

/** Browser hooks the provider needs; defaults use `window`/`navigator`. */
export interface Environment {
  isOnline(): boolean;
  /** Subscribes to online/offline changes; returns an unsubscribe function. */
  onOnlineChange(listener: (online: boolean) => void): () => void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** What a tab's connection needs; see {@link createBrowserConnection}. */
export interface BrowserConnectionOptions {
  readonly docId: string;
  /** Client build sent at connect (C6). */
  readonly build: string;
  /** Protocol version announced (default the current one; the handshake fault changes it). */
  readonly protocolVersion?: number;
  /** IndexedDB copy: awaited before the first connect; remembers the generation (M7). */
  readonly local?: LocalStore;
  /** First connection goes to this member instead of the owner (tests, debugging). */
  readonly preferNode?: string;
  /** Content unacknowledged this long suspects the node (P30; default 2 500 ms, 0: off). */
  readonly ackTimeoutMs?: number;
  /** The immediate failover waits 0–this ms (P30/C7 spread; default 250, 0: at once). */
  readonly failoverSpreadMs?: number;
  readonly fetchRoute?: (docId: string) => Promise<RouteInfo>;
  readonly createSocket?: (url: string) => SocketLike;
  readonly backoff?: Backoff;
  readonly redirects?: RedirectPolicy;
  readonly environment?: Environment;
  /** A socket silent for this long is considered dead (default 30 000 ms). */
  readonly livenessTimeoutMs?: number;
  /**
   * Access tickets (PROTOCOL.md P21): called before connecting (unless the current ticket has
   * more than 30 s left) and again at 80 % of each ticket's remaining life, to renew it on the
   * open socket. Resolves `null` when access control is off; rejects with `AccessDenied` when
   * the link is revoked (the provider stops) or with another error (it retries). Absent: no
   * tickets are sent.
   */
  readonly ticket?: () => Promise<TicketGrant | null>;
  /** Every decoding, transport or policy problem. */
  readonly warn: (message: string) => void;
}

/** A tab's {@link Connection} plus what only the browser side knows. */
export interface BrowserConnection {
  readonly connection: Connection;
  /** The connection's clock (the environment's timers). */
  readonly clock: Clock;
  /**
   * Records the generation the node's content belongs to (once it holds content) in
   * IndexedDB, so a later tab sends it and never merges into a re-created document (M7).
   */
  rememberGeneration(): void;
  /** Stops listening to online/offline changes and destroys the connection. */
  destroy(): void;
}

/**
 * The connection part of the web provider: the `client/` connection wired to the browser —
 * the owner from `/api/route` (or the preferred member, once), member URLs from the same
 * look-up for redirects (C3), `window` online/offline events, the IndexedDB generation (M7),
 * `WebSocket`, `setTimeout` and `Math.random` for the backoff jitter.
 */
export function createBrowserConnection(options: BrowserConnectionOptions): BrowserConnection {
  const env = options.environment ?? browserEnvironment();
  const fetchRoute = options.fetchRoute ?? ((id) => defaultFetchRoute(id));
  const createSocket =
    options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  let members: readonly KnownMember[] = [];
  let preferNode = options.preferNode;
  let remembered: string | null = null;

  const refreshRoute = async (): Promise<RouteInfo | null> => {
    try {
      const route = await fetchRoute(options.docId);
      members = route.members;
      if (route.epoch > connection.state.epoch) connection.patch({ epoch: route.epoch });
      return route;
    } catch (error) {
      options.warn(`route look-up failed: ${(error as Error).message}`);
      return null;
    }
  };

  /** The owner's URL from the route look-up (or the preferred member's); `null` if unknown. */
  const resolveOwnerUrl = async (): Promise<string | null> => {
    const route = await refreshRoute();
    if (!route) return null;
    const preferred = preferNode;
    if (preferred !== undefined) {
      preferNode = undefined;
      const member = members.find((m) => m.id === preferred);
      if (member) return normalizeMemberUrl(member.url);
      options.warn(`preferred node ${preferred} is not a member; using the owner`);
    }
    return route.url ? normalizeMemberUrl(route.url) : null;
  };

  const clock: Clock = {
    now: () => env.now(),
    after(ms, fn) {
      const handle = env.setTimeout(fn, ms);
      return () => env.clearTimeout(handle);
    },
  };

  const connection = createConnection({
    docId: options.docId,
    build: options.build,
    ...(options.protocolVersion !== undefined ? { protocolVersion: options.protocolVersion } : {}),
    clock,
    openSocket: webSocketOpener(createSocket, options.warn),
    resolve: resolveOwnerUrl,
    knownMember: (owner, url) => knownIn(members)(owner, url),
    refreshMembers: async () => {
      await refreshRoute();
    },
    backoff: options.backoff ?? createBackoff({ random: Math.random }),
    ...(options.redirects ? { redirects: options.redirects } : {}),
    ...(options.ticket ? { tickets: options.ticket } : {}),
    livenessTimeoutMs: options.livenessTimeoutMs ?? 30_000,
    expectedGeneration: () => remembered,
    prepare: async () => {
      await options.local?.ready;
      remembered = (await options.local?.generation()) ?? null;
      if (remembered) connection.patch({ generation: remembered });
    },
    isOnline: () => env.isOnline(),
    // P30 (M8): a lost node is replaced at once by another member, naming it as suspect;
    // content unacknowledged for 2.5 s (a paused or cut-off node) counts as lost.
    failover: (lost) => pickFailover(members, lost),
    // …after 0–250 ms, so the tabs of a dead node spread their reconnects (C7).
    failoverSpreadMs: () => Math.random() * (options.failoverSpreadMs ?? 250),
    ackTimeoutMs: options.ackTimeoutMs ?? 2500,
  });
  connection.on('warning', options.warn);
  connection.on('fault', options.warn);
  const unsubscribeOnline = env.onOnlineChange((online) => connection.setOnline(online));

  return {
    connection,
    clock,
    rememberGeneration() {
      const generation = connection.state.generation;
      if (generation === null || generation === remembered) return;
      remembered = generation;
      void options.local?.setGeneration(generation);
    },
    destroy() {
      connection.destroy();
      unsubscribeOnline();
    },
  };
}

/** The real browser environment (window events, navigator.onLine, timers). */
export function browserEnvironment(): Environment {
  return {
    isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
    onOnlineChange(listener) {
      if (typeof window === 'undefined') return () => {};
      const on = () => listener(true);
      const off = () => listener(false);
      window.addEventListener('online', on);
      window.addEventListener('offline', off);
      return () => {
        window.removeEventListener('online', on);
        window.removeEventListener('offline', off);
      };
    },
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
  };
}
