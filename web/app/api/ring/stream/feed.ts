import type { Logger, MemberRecord, RingView } from '../../../../../ring/index.ts';
import { buildSnapshot, DEFAULT_MAX_DOCUMENTS } from '../../../../lib/ring-view/snapshot.ts';
import type { NodeProbe } from '../../../../lib/ring-view/types.ts';

/** The membership views the feed draws (a `MembershipWatcher` is one). */
export interface ViewSource {
  current(): RingView | null;
  onChange(listener: (view: RingView) => void): () => void;
}

/** Asks one member for its load; rejects (or is aborted through `signal`) when it cannot. */
export type ProbeNode = (member: MemberRecord, signal: AbortSignal) => Promise<NodeProbe>;

export interface RingFeedOptions {
  readonly source: ViewSource;
  readonly log: Logger;
  /** Default: {@link httpProbe} over the global `fetch`. */
  readonly probe?: ProbeNode;
  /** Time between two probe rounds while someone listens (default 1000 ms). */
  readonly intervalMs?: number;
  /** Deadline of one node's probe (default 800 ms); a node that misses it has no load. */
  readonly timeoutMs?: number;
  /** Documents per snapshot (default {@link DEFAULT_MAX_DOCUMENTS}). */
  readonly maxDocuments?: number;
}

/** A live stream of dashboard snapshots (DESIGN W5), as JSON strings. */
export interface RingFeed {
  /**
   * Calls `listener` with the latest snapshot at once (when there is one) and with every
   * different one after. Returns the unsubscribe function. Listener exceptions are logged.
   */
  subscribe(listener: (json: string) => void): () => void;
  /** The latest snapshot's JSON, `null` while nobody listens or before the first view. */
  latest(): string | null;
  /** Stops probing and drops every listener. */
  close(): void;
}

/**
 * Creates the feed. While at least one listener is subscribed it follows `source` — every new
 * membership view is published at once (a member that is `draining` for a moment is shown) —
 * and probes every member (any state) every `intervalMs`, all in parallel with a deadline; a
 * node that does not answer loses its load and documents until it answers again. A snapshot
 * is published only when its JSON differs from the previous one. With no listener left it
 * stops probing and forgets everything. Never throws.
 */
export function createRingFeed(options: RingFeedOptions): RingFeed {
  const { source, log } = options;
  const probe = options.probe ?? httpProbe(fetch);
  const intervalMs = options.intervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 800;
  const maxDocuments = options.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  const listeners = new Set<(json: string) => void>();
  let probes = new Map<string, NodeProbe>();
  let latest: string | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let unwatch: (() => void) | null = null;
  let probing = false;
  let probeAgain = false;

  const publish = () => {
    const view = source.current();
    if (!view || listeners.size === 0) return;
    const json = JSON.stringify(buildSnapshot(view, probes, { maxDocuments }));
    if (json === latest) return;
    latest = json;
    for (const listener of [...listeners]) {
      try {
        listener(json);
      } catch (error) {
        log.warn('ring feed listener failed', { error });
      }
    }
  };

  const probeRound = async (): Promise<void> => {
    if (probing) {
      probeAgain = true;
      return;
    }
    probing = true;
    try {
      do {
        probeAgain = false;
        const view = source.current();
        if (!view) break;
        const results = await Promise.all(
          [...view.members.values()].map(async (member) => {
            try {
              return [member.id, await probe(member, AbortSignal.timeout(timeoutMs))] as const;
            } catch {
              return null;
            }
          }),
        );
        if (listeners.size === 0) break;
        probes = new Map(results.filter((r) => r !== null));
        publish();
      } while (probeAgain && listeners.size > 0);
    } finally {
      probing = false;
    }
  };

  const start = () => {
    unwatch = source.onChange(() => {
      publish();
      void probeRound();
    });
    timer = setInterval(() => void probeRound(), intervalMs);
    publish();
    void probeRound();
  };

  const stop = () => {
    unwatch?.();
    unwatch = null;
    if (timer) clearInterval(timer);
    timer = null;
    probes = new Map();
    latest = null;
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) start();
      else if (latest !== null) listener(latest);
      return () => {
        if (!listeners.delete(listener)) return;
        if (listeners.size === 0) stop();
      };
    },
    latest: () => latest,
    close() {
      listeners.clear();
      stop();
    },
  };
}

/** The HTTP base of a member's public URL (`ws:` → `http:`, `wss:` → `https:`); `null` if bad. */
export function httpBaseOf(publicUrl: string): string | null {
  try {
    const url = new URL(publicUrl);
    const scheme = { 'ws:': 'http:', 'wss:': 'https:', 'http:': 'http:', 'https:': 'https:' }[
      url.protocol
    ];
    if (!scheme) return null;
    return `${scheme}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/**
 * Probes a node over its HTTP endpoints (server/http/routes.ts): `GET /ring` for
 * `stats.connections` and `GET /docs` for `{loaded, stored}`, sending `headers` (the operator
 * token: `/docs` answers nobody else). Rejects on a bad URL, a non-200 answer, a malformed body
 * or when `signal` aborts.
 */
export function httpProbe(
  fetchFn: typeof fetch,
  headers: Readonly<Record<string, string>> = {},
): ProbeNode {
  const getJson = async (url: string, signal: AbortSignal): Promise<Record<string, unknown>> => {
    const response = await fetchFn(url, { signal, cache: 'no-store', headers: { ...headers } });
    if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null) throw new Error(`${url}: not an object`);
    return body as Record<string, unknown>;
  };
  return async (member, signal) => {
    const base = httpBaseOf(member.publicUrl);
    if (base === null) throw new Error(`member ${member.id} has no HTTP URL`);
    const [ring, docs] = await Promise.all([
      getJson(`${base}/ring`, signal),
      getJson(`${base}/docs`, signal),
    ]);
    const stats = ring.stats as Record<string, unknown> | undefined;
    const connections = Number(stats?.connections ?? 0);
    return {
      connections: Number.isFinite(connections) ? connections : 0,
      loaded: strings(docs.loaded),
      stored: strings(docs.stored),
    };
  };
}

function strings(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Error('expected a list of document ids');
  return value.filter((v): v is string => typeof v === 'string');
}
