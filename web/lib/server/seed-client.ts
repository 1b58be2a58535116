import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  type Backoff,
  type Clock,
  createConnection,
  createDocSync,
  type WebSocketLike,
  webSocketOpener,
} from '../../../client/index.ts';

export interface SeedOptions {
  readonly docId: string;
  /** The initial Yjs update (see `buildInitialUpdate`). */
  readonly update: Uint8Array;
  /** Owner's WebSocket base URL from the web app's own ring view; `null` when unknown. */
  readonly ownerUrl: () => string | null;
  /** Member URLs a REDIRECT may point to (normalised ws base URLs). */
  readonly isKnownUrl: (url: string) => boolean;
  /** Build sent at connect (C6). */
  readonly build: string;
  /** Gives up after this long (default 15 000 ms). */
  readonly timeoutMs?: number;
  /** An access ticket for the document, sent first on each connection (P21); absent: none. */
  readonly ticket?: () => Promise<string>;
}

/** `written`: this call put the initial content in; `present`: the node already had content. */
export type SeedOutcome = 'written' | 'present';

/** How long a seed ticket is taken to be good for (the web app mints them for minutes). */
const SEED_TICKET_LIFE_MS = 60_000;

const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** 100 ms doubling to 1 s, no jitter (one seeder per document at a time), honouring retry-after. */
function seedBackoff(): Backoff {
  let attempts = 0;
  return {
    next(retryAfterMs) {
      const delay = Math.min(100 * 2 ** Math.min(attempts, 4), 1000);
      attempts++;
      return Math.max(delay, retryAfterMs ?? 0);
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}

/**
 * Writes the initial content of a brand-new document to its owner node as an ordinary
 * protocol client (DESIGN W4) through the shared client library (`client/`): connect with an
 * empty copy, sync, and only if the node's copy is still empty apply `update` (sent as one
 * content message), then wait for the durable ACK that covers it (C4). Follows redirects to known members and
 * retries retryable closes until `timeoutMs`. The caller must make sure one seeder runs per
 * document at a time (the etcd claim in `ensureDocument`): the emptiness check is not atomic.
 * Rejects with the reason when the node refuses for good or time runs out.
 */
export function seedDocument(options: SeedOptions): Promise<SeedOutcome> {
  let doc = new Y.Doc();
  const ticket = options.ticket;
  const connection = createConnection({
    docId: options.docId,
    build: options.build,
    clock: systemClock,
    openSocket: webSocketOpener((url) => new WebSocket(url) as unknown as WebSocketLike),
    resolve: () => options.ownerUrl(),
    knownMember: (_owner, url) => options.isKnownUrl(url),
    backoff: seedBackoff(),
    livenessTimeoutMs: 0,
    ...(ticket
      ? {
          tickets: async () => ({
            ticket: await ticket(),
            perm: 'edit' as const,
            expiresAt: systemClock.now() + SEED_TICKET_LIFE_MS,
          }),
        }
      : {}),
  });
  const sync = createDocSync(connection, { doc });
  let lastError = 'no owner known';
  let seedSeq = 0;
  return new Promise<SeedOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: SeedOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      connection.destroy();
      sync.detach();
      doc.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const deadline = setTimeout(
      () => finish(new Error(`could not seed ${options.docId}: ${lastError}`)),
      options.timeoutMs ?? 15_000,
    );
    // Every socket starts from an empty copy, so its sync tells whether the node has content.
    connection.on('opening', () => {
      doc.destroy();
      doc = new Y.Doc();
      sync.setDoc(doc);
      seedSeq = 0;
    });
    connection.on('synced', () => {
      if (Y.encodeStateVector(doc).length > 1) {
        finish('present');
        return;
      }
      Y.applyUpdate(doc, options.update);
    });
    sync.on('content', (seq) => {
      if (seedSeq === 0 && Y.encodeStateVector(doc).length > 1) seedSeq = seq;
    });
    sync.on('ack', (count) => {
      if (seedSeq > 0 && count >= seedSeq) finish('written');
    });
    connection.on('closed', ({ code, reason, decision }) => {
      lastError =
        decision.kind === 'redirect' ? `redirected to ${decision.target.owner}` : `closed ${code}`;
      if (decision.kind === 'stop' || decision.kind === 'recover') {
        finish(new Error(`closed ${code}: ${decision.reason || reason}`));
      } else if (decision.kind === 'upgrade') {
        finish(new Error(`closed ${code}: ${decision.message}`));
      }
    });
    connection.on('state', (state) => {
      if (state.phase === 'stopped' && state.error) finish(new Error(state.error));
    });
    connection.on('warning', (message) => {
      lastError = message;
    });
    connection.connect();
  });
}
