/**
 * The abuse limits of a node (SECURITY.md, PROTOCOL.md P22). Every limit is per node process;
 * the default is chosen for one person typing in a browser tab, with the reason beside it.
 * Rates are token buckets: `…PerSecond` refills, `…Burst` is the capacity.
 */
export interface LimitSettings {
  /**
   * New WebSocket connections per second from one remote address (default 10, burst 40).
   * A tab reconnects at most a few times per second (≤ 5 redirects in a row, then jittered
   * backoff), so 40 at once fits an office behind one NAT after a node failure, while a
   * reconnect loop or a connection flood from one address is cut off (4529).
   */
  readonly connectionAttemptsPerSecond: number;
  readonly connectionAttemptBurst: number;
  /**
   * New WebSocket connections per second to this node from all addresses together (default 500,
   * burst 1 000; DESIGN C7). When a node dies, its tabs reconnect to its neighbours within about
   * a second (jittered backoff), and each connection may load a document: a node admits a
   * failover of ~1 000 tabs at once and spreads anything larger over seconds with a jittered
   * retry-after (4529). Raise it with the node's capacity.
   */
  readonly nodeConnectionsPerSecond: number;
  readonly nodeConnectionBurst: number;
  /** Addresses remembered by the connection limiter (default 10 000): bounds its memory; idle ones go first. */
  readonly trackedAddresses: number;
  /**
   * Frames per second on one connection (default 100, burst 400). Typing sends one update and
   * one awareness change per keystroke (≈ 20-40/s for a fast typist); anything far above is a
   * runaway or hostile client (4529).
   */
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /**
   * Inbound bytes per second on one connection (default 1 MiB/s, burst 16 MiB). The burst
   * lets a tab push a large offline backlog or a big paste at once (up to two full frames);
   * a sustained stream beyond 1 MiB/s is not typing (4529).
   */
  readonly bytesPerSecond: number;
  readonly byteBurst: number;
  /**
   * Inbound bytes per second into one document over all its connections (default 4 MiB/s,
   * burst 32 MiB): every byte is applied, fsynced and replicated, so many sockets together
   * must not monopolise the node's disk and replication (4529 for the frame that overflows).
   */
  readonly documentBytesPerSecond: number;
  readonly documentByteBurst: number;
  /**
   * Awareness (cursor/presence) updates per second on one connection (default 20, burst 60).
   * Presence, not edits, is what saturates a Yjs server (DESIGN C8); a cursor needs no more (4529).
   */
  readonly awarenessPerSecond: number;
  readonly awarenessBurst: number;
  /**
   * Largest encoded document (default 16 MiB). A loaded Y.Doc takes 10-20× its encoded size in
   * memory (N1), so one document may cost ~300 MiB of heap at this size. An update that would
   * grow a document past it is refused with 4413 and nothing of it is applied; updates that add
   * no content (pure deletions) are still accepted.
   */
  readonly maxDocumentBytes: number;
  /**
   * Bytes a socket may send before its ticket is verified (default 64 KiB, access control on):
   * the ticket and the client's opening SyncStep1 fit; an unauthenticated flood does not (1009).
   */
  readonly maxUnauthenticatedBytes: number;
  /** How long a socket may stay open without presenting a ticket (default 10 000 ms; then 4401). */
  readonly ticketWaitMs: number;
}

const MiB = 1024 * 1024;

/** The defaults documented on {@link LimitSettings}. */
export const DEFAULT_LIMITS: LimitSettings = Object.freeze({
  connectionAttemptsPerSecond: 10,
  connectionAttemptBurst: 40,
  nodeConnectionsPerSecond: 500,
  nodeConnectionBurst: 1000,
  trackedAddresses: 10_000,
  messagesPerSecond: 100,
  messageBurst: 400,
  bytesPerSecond: MiB,
  byteBurst: 16 * MiB,
  documentBytesPerSecond: 4 * MiB,
  documentByteBurst: 32 * MiB,
  awarenessPerSecond: 20,
  awarenessBurst: 60,
  maxDocumentBytes: 16 * MiB,
  maxUnauthenticatedBytes: 64 * 1024,
  ticketWaitMs: 10_000,
});

/** Names of every limit (the keys `--limits` accepts). */
export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as ReadonlyArray<keyof LimitSettings>;

/** Fills defaults; throws a clear `Error` for an unknown name or a value that is not a positive number. */
export function resolveLimits(input: Partial<LimitSettings> = {}): LimitSettings {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(input)) {
    if (!(name in DEFAULT_LIMITS)) throw new Error(`unknown limit ${JSON.stringify(name)}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`limit ${name} must be a positive number, not ${JSON.stringify(value)}`);
    }
    out[name] = value;
  }
  return Object.freeze(out) as unknown as LimitSettings;
}

/**
 * Parses `name=value,name=value` (the `--limits` option); values are numbers, optionally with
 * a `k`/`m` suffix for ×1024 / ×1024² (`maxDocumentBytes=32m`). Throws on a bad entry.
 */
export function parseLimitAssignments(text: string): Partial<LimitSettings> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const match = /^([A-Za-z]+)=([0-9]+(?:\.[0-9]+)?)([kKmM]?)$/.exec(entry);
    if (!match) throw new Error(`--limits: expected name=number, got ${JSON.stringify(entry)}`);
    const [, name = '', digits = '', unit = ''] = match;
    if (!(name in DEFAULT_LIMITS)) {
      throw new Error(`--limits: unknown limit ${name} (known: ${LIMIT_NAMES.join(', ')})`);
    }
    const scale = unit === '' ? 1 : unit.toLowerCase() === 'k' ? 1024 : MiB;
    out[name] = Number(digits) * scale;
  }
  return out as Partial<LimitSettings>;
}
