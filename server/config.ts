import { isValidMemberId } from '../ring/index.ts';
import type { HistorySettings } from './history/keeper.ts';
import { parseCidr } from './limits/cidr.ts';
import { type LimitSettings, resolveLimits } from './limits/settings.ts';
import { DEFAULT_GROUP_COMMIT_MS } from './persistence/journal-store.ts';

/**
 * Configuration of one node. Every field has a default chosen for a small cluster on
 * one machine; the reason for each limit is given beside it.
 */
export interface NodeConfig {
  /** Member id in etcd (`members/<id>`); unique in the cluster. */
  readonly id: string;
  /** Interface to bind (default `127.0.0.1`). */
  readonly host: string;
  /** TCP port for the public WebSocket, HTTP and internal endpoints. Below 32768 (STACK: uWS). */
  readonly port: number;
  /** URL clients use to reach this node (default `ws://<host>:<port>`). */
  readonly publicUrl: string;
  /** URL other nodes use (default `ws://<host>:<port>`). */
  readonly internalUrl: string;
  /** etcd endpoints. */
  readonly etcd: readonly string[];
  /** etcd key prefix (default `/ringdoc/`). */
  readonly prefix: string;
  /** Data directory of this node's durable store. */
  readonly dataDir: string;
  /** Build of this server (shown in `members/`, `/ring`). */
  readonly build: string;
  /** Lease TTL in seconds (default 5; etcd's minimum is 2). DESIGN R6. */
  readonly leaseTtlSeconds: number;
  /** Virtual nodes per member (default 1024). */
  readonly vnodes: number;
  /** Largest accepted frame (default 8 MiB): bigger frames close with 1009; frames over twice this are cut off unread. */
  readonly maxFrameBytes: number;
  /** Per-socket send backlog before the socket is dropped as too slow (default 16 MiB). N4. */
  readonly maxBackpressureBytes: number;
  /** Bytes a socket may queue before its document is ready (default 1 MiB): bounds a flood before hello. */
  readonly maxPendingBytes: number;
  /** Largest awareness update (default 64 KiB): presence must stay small. C8. */
  readonly maxAwarenessBytes: number;
  /** Allowed `Origin` headers; `null` allows any (default). */
  readonly allowedOrigins: readonly string[] | null;
  /** How long a client with a newer epoch waits for this node's view (default 1000 ms). C3. */
  readonly epochWaitMs: number;
  /**
   * When a document moves, how long a client that moves before it is closed keeps being served
   * by the old owner while it opens the new one (default 3000 ms; 0: redirect at once). P11a.
   */
  readonly moveGraceMs: number;
  /** An idle loaded document is unloaded to its encoded form after this delay (default 30 s). N1. */
  readonly idleUnloadMs: number;
  /**
   * A loaded document (editors attached or not) whose Y.Doc went unused this long is kept
   * encoded until edited or read again (default 30 s; issue 14).
   */
  readonly idleEncodeMs: number;
  /** Heap size above which idle documents are unloaded at once (default 1.5 GiB). N1. */
  readonly heapHighWaterBytes: number;
  /** Bytes of encoded (unloaded) documents kept in memory before the least recent are dropped (default 256 MiB). */
  readonly encodedCacheBytes: number;
  /**
   * Least time between two commit windows of the store (default 5 ms, 0–100); an idle store's
   * window closes at the end of the event-loop turn, without a timer. N2, N7.
   */
  readonly groupCommitMs: number;
  /** Copies of each document, owner included (default 2). N3. */
  readonly replicas: number;
  /** `replica` (default): ack after local fsync and one other holder; `local`: local fsync only. N3, C4. */
  readonly durability: 'local' | 'replica';
  /** Shared secret of the internal node-to-node channel (`RINGDOC_CLUSTER_SECRET`). */
  readonly clusterSecret: string;
  /**
   * Token of operators (`RINGDOC_OPERATOR_TOKEN`, >= 16 characters): with it (as
   * `Authorization: Bearer`) or the cluster secret, `GET /docs` answers. `null` (default): only
   * the cluster secret opens `/docs`.
   */
  readonly operatorToken: string | null;
  /**
   * Proxies (CIDRs, `--trusted-proxies`) whose `X-Forwarded-For` names the client for the
   * per-address limits (P22). Empty (default): the header is ignored, the peer is the client.
   */
  readonly trustedProxies: readonly string[];
  /**
   * SPKI PEM public key(s) of the web app's ticket signer (`--ticket-public-key`). `null`
   * (default): no access control, every client may edit every document; set: every socket
   * must present a ticket for its document (PROTOCOL.md P21, SECURITY.md).
   */
  readonly ticketPublicKey: string | null;
  /** Abuse limits with their reasons (`server/limits/settings.ts`, PROTOCOL.md P22). */
  readonly limits: LimitSettings;
  /** Version history overrides (`--history`, `--history-retention`; PROTOCOL.md §5). */
  readonly history?: Partial<HistorySettings>;
  /**
   * Testing fault (`--fault-refuse-docs <regex>`): client sessions for documents whose id matches
   * are closed with LOAD_FAILED and counted as load failures — a "bad build" that fails to serve
   * a class of documents, for rollout drills. Absent (default): off. Never set in production.
   */
  readonly faultRefuseDocs?: RegExp;
}

/**
 * The public development secret: only with `--insecure-dev-secret`, and never with a
 * non-loopback bind or public/internal URL (anyone reading this file knows it).
 */
export const DEVELOPMENT_CLUSTER_SECRET = 'ringdoc-development-secret';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True for a loopback host name or address (`127.0.0.0/8`, `::1`, `localhost`). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host of a ws/http URL, or `null` when it does not parse. */
function hostOfUrl(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

export type NodeConfigInput = Partial<Omit<NodeConfig, 'limits'>> & {
  readonly limits?: Partial<LimitSettings>;
} & Pick<NodeConfig, 'id' | 'port' | 'dataDir'> & { etcd: readonly string[] };

/** Fills defaults and validates; throws a clear `Error` on an invalid value. */
export function resolveNodeConfig(input: NodeConfigInput): NodeConfig {
  const host = input.host ?? '127.0.0.1';
  if (!isValidMemberId(input.id)) {
    throw new Error(
      `invalid node id ${JSON.stringify(input.id)}: use 1-63 of [A-Za-z0-9._-], starting with a letter or digit`,
    );
  }
  if (!Number.isInteger(input.port) || input.port <= 0 || input.port >= 65536) {
    throw new Error(`invalid port ${input.port}`);
  }
  if (input.etcd.length === 0) throw new Error('at least one etcd endpoint is required');
  const base = `ws://${host}:${input.port}`;
  const config: NodeConfig = {
    id: input.id,
    host,
    port: input.port,
    publicUrl: input.publicUrl ?? base,
    internalUrl: input.internalUrl ?? base,
    etcd: input.etcd,
    prefix: input.prefix ?? '/ringdoc/',
    dataDir: input.dataDir,
    build: input.build ?? '0.1.0',
    leaseTtlSeconds: input.leaseTtlSeconds ?? 5,
    vnodes: input.vnodes ?? 1024,
    maxFrameBytes: input.maxFrameBytes ?? 8 * 1024 * 1024,
    maxBackpressureBytes: input.maxBackpressureBytes ?? 16 * 1024 * 1024,
    maxPendingBytes: input.maxPendingBytes ?? 1024 * 1024,
    maxAwarenessBytes: input.maxAwarenessBytes ?? 64 * 1024,
    allowedOrigins: input.allowedOrigins ?? null,
    epochWaitMs: input.epochWaitMs ?? 1000,
    moveGraceMs: input.moveGraceMs ?? 3000,
    idleUnloadMs: input.idleUnloadMs ?? 30_000,
    idleEncodeMs: input.idleEncodeMs ?? 30_000,
    heapHighWaterBytes: input.heapHighWaterBytes ?? 1.5 * 1024 * 1024 * 1024,
    encodedCacheBytes: input.encodedCacheBytes ?? 256 * 1024 * 1024,
    groupCommitMs: input.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS,
    replicas: input.replicas ?? 2,
    durability: input.durability ?? 'replica',
    clusterSecret: input.clusterSecret ?? DEVELOPMENT_CLUSTER_SECRET,
    operatorToken: input.operatorToken ?? null,
    trustedProxies: input.trustedProxies ?? [],
    ticketPublicKey: input.ticketPublicKey ?? null,
    limits: resolveLimits(input.limits),
    ...(input.history ? { history: input.history } : {}),
    ...(input.faultRefuseDocs ? { faultRefuseDocs: input.faultRefuseDocs } : {}),
  };
  if (!(config.groupCommitMs >= 0 && config.groupCommitMs <= 100)) {
    throw new Error(`groupCommitMs must be between 0 and 100 ms, got ${config.groupCommitMs}`);
  }
  if (config.replicas < 1 || !Number.isInteger(config.replicas))
    throw new Error('replicas must be an integer >= 1');
  if (config.durability !== 'local' && config.durability !== 'replica') {
    throw new Error(
      `durability must be "local" or "replica", not ${JSON.stringify(config.durability)}`,
    );
  }
  if (config.clusterSecret.length < 16) {
    throw new Error('the cluster secret must be at least 16 characters');
  }
  if (config.clusterSecret === DEVELOPMENT_CLUSTER_SECRET) {
    const exposed = [
      ['binding', config.host],
      ['public URL', hostOfUrl(config.publicUrl) ?? config.publicUrl],
      ['internal URL', hostOfUrl(config.internalUrl) ?? config.internalUrl],
    ].find(([, host]) => !isLoopbackHost(host ?? ''));
    if (exposed) {
      throw new Error(
        `refusing to start: the development cluster secret is public and this node is reachable beyond loopback (${exposed[0]} ${exposed[1]}); set RINGDOC_CLUSTER_SECRET (>= 16 characters) on every node`,
      );
    }
  }
  if (config.operatorToken !== null && config.operatorToken.length < 16) {
    throw new Error('the operator token must be at least 16 characters');
  }
  for (const cidr of config.trustedProxies) parseCidr(cidr);
  if (
    config.ticketPublicKey !== null &&
    !config.ticketPublicKey.includes('-----BEGIN PUBLIC KEY-----')
  ) {
    throw new Error('the ticket public key must be an SPKI PEM ("-----BEGIN PUBLIC KEY-----")');
  }
  if (config.leaseTtlSeconds < 2) throw new Error('leaseTtlSeconds must be >= 2 (etcd minimum)');
  if (!config.prefix.endsWith('/')) throw new Error('prefix must end with "/"');
  return config;
}
