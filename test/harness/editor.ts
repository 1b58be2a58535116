import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  type Clock,
  type Connection,
  createConnection,
  createDocSync,
  type DocSync,
  type WebSocketLike,
  webSocketOpener,
} from '../../client/index.ts';
import { CloseCode } from '../../server/protocol/index.ts';

/** How a {@link SimEditor} behaves when it loses its node. */
export interface SimEditorOptions {
  /**
   * P30 (M8): on losing its node go at once to another node naming it as `suspect`
   * (default true); `false`: only back off and look the owner up again.
   */
  readonly failover?: boolean;
  /** Unacknowledged content for this long suspects the node (default 2 000 ms; 0: off). */
  readonly ackTimeoutMs?: number;
  /** The immediate failover waits 0–this ms (P30/C7 spread; default 250, as the web client). */
  readonly failoverSpreadMs?: number;
  /** Rewrites every URL a socket is opened to (e.g. through a test TCP proxy). */
  readonly rewriteUrl?: (url: string) => string;
}

/** Where an editor can ask for a document's owner (any live node). */
export interface RouteSource {
  /** Base URLs (`ws://…`) of nodes that may be alive. */
  nodeUrls(): string[];
}

/** The process's clock (the library takes time only from what it is given). */
const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/**
 * A simulated editor for integration tests, chaos and benches: one Y.Doc typing unique tokens
 * over real `ws` sockets through the shared client library (`client/`, like the web
 * provider): owner look-up on any live node (`GET /route/<id>`), redirects followed (at most
 * 5 in a row), retries after 50–300 ms of jitter or the node's retry-after. It records which
 * tokens the server acknowledged from the library's content sequence numbers: ACK n covers
 * every token typed before content message n of that connection was sent (a connection's
 * first content message is its SyncStep2, which carries everything not yet on the server).
 */
export class SimEditor {
  readonly doc = new Y.Doc();
  readonly typed: string[] = [];
  /** `performance.now()` when each token was typed and when its ACK arrived (benchmarks). */
  readonly typedAt: number[] = [];
  readonly ackedAt: number[] = [];
  ackedCount = 0;
  reconnects = 0;
  badCloses: string[] = [];
  /** Every close the connection saw: when (performance.now()), its code, reason and what followed. */
  readonly closes: Array<{ at: number; code: number; reason: string; next: string }> = [];
  /** Node ids that served this editor (from HELLO). */
  readonly servedBy: string[] = [];
  /** P11a: every switch to a moved document's new owner without a close. */
  readonly moves: Array<{ at: number; from: string | null; to: string }> = [];
  /** Every HELLO the connection saw: when (performance.now()) and from which node. */
  readonly hellos: Array<{ at: number; node: string }> = [];
  private readonly connection: Connection;
  private readonly sync: DocSync;
  private tokensAtContent: number[] = [0];
  private seq = 0;
  private nodeIndex = 0;

  constructor(
    readonly docId: string,
    readonly name: string,
    private readonly routes: RouteSource,
    options: SimEditorOptions = {},
  ) {
    this.connection = createConnection({
      docId,
      clock: systemClock,
      openSocket: webSocketOpener(
        (url) => new WebSocket(options.rewriteUrl?.(url) ?? url) as unknown as WebSocketLike,
      ),
      resolve: () => this.findOwner(),
      knownMember: () => true,
      backoff: {
        next: (retryAfterMs) => Math.max(retryAfterMs ?? 0, 50 + Math.random() * 250),
        reset: () => {},
        attempts: 0,
      },
      livenessTimeoutMs: 0,
      ackTimeoutMs: options.ackTimeoutMs ?? 2000,
      ...(options.failover === false ? {} : { failover: (lost) => this.failoverTo(lost) }),
      failoverSpreadMs: () => Math.random() * (options.failoverSpreadMs ?? 250),
    });
    this.sync = createDocSync(this.connection, { doc: this.doc });
    this.connection.on('opening', () => {
      this.tokensAtContent = [0];
    });
    this.connection.on('moved', ({ from, to }) => {
      this.moves.push({ at: performance.now(), from, to });
    });
    this.connection.on('hello', (hello) => {
      this.hellos.push({ at: performance.now(), node: hello.node });
      if (this.servedBy.at(-1) !== hello.node) this.servedBy.push(hello.node);
    });
    this.connection.on('closed', ({ code, reason, decision }) => {
      this.closes.push({ at: performance.now(), code, reason, next: decision.kind });
      if (code === CloseCode.BAD_REQUEST || code === CloseCode.UPGRADE_REQUIRED) {
        this.badCloses.push(`${code} ${reason}`);
      }
      if (decision.kind !== 'redirect') this.reconnects++;
    });
    this.sync.on('content', (seq) => {
      this.tokensAtContent[seq] = this.typed.length;
    });
    this.sync.on('ack', (count) => {
      const covered = this.tokensAtContent[count] ?? 0;
      if (covered <= this.ackedCount) return;
      const now = performance.now();
      for (let i = this.ackedCount; i < covered; i++) this.ackedAt[i] = now;
      this.ackedCount = covered;
    });
  }

  /** Redirects followed so far. */
  get redirects(): number {
    return this.connection.state.redirects;
  }

  text(): string {
    return this.doc.getText('t').toString();
  }

  /** Tokens the server acknowledged as durable. */
  acked(): string[] {
    return this.typed.slice(0, this.ackedCount);
  }

  get connected(): boolean {
    return this.connection.session?.synced === true;
  }

  start(): void {
    this.connection.connect();
  }

  /** Appends one unique token (a space-separated word). */
  type(): string {
    const token = `${this.name}.${this.seq++}`;
    this.typed.push(token);
    this.typedAt.push(performance.now());
    const t = this.doc.getText('t');
    t.insert(t.length, `${token} `);
    return token;
  }

  stop(): void {
    this.connection.destroy();
    this.sync.detach();
  }

  currentNode(): string | undefined {
    return this.servedBy.at(-1);
  }

  /** P30: another node than the lost one (the node redirects to the next holder). */
  private failoverTo(lost: {
    node: string | null;
    url: string;
  }): { url: string; suspect: string } | null {
    if (lost.node === null) return null;
    // P34: the node it goes to redirects past every suspect the connection names.
    const others = this.routes.nodeUrls().filter((u) => u !== lost.url);
    const url = others[this.nodeIndex++ % Math.max(1, others.length)];
    return url === undefined ? null : { url, suspect: lost.node };
  }

  /** The owner's URL from the first live node that answers `GET /route/<id>`. */
  private async findOwner(): Promise<string | null> {
    const urls = this.routes.nodeUrls();
    for (let i = 0; i < urls.length; i++) {
      const base = urls[(this.nodeIndex++ + i) % urls.length] as string;
      try {
        const res = await fetch(`${base.replace(/^ws/, 'http')}/route/${this.docId}`, {
          signal: AbortSignal.timeout(1000),
        });
        if (res.status !== 200) continue;
        const body = (await res.json()) as { url: string | null };
        if (body.url) return body.url;
      } catch {
        /* try the next node */
      }
    }
    return null;
  }
}

/** Counts whole-word occurrences of each token in a text. */
export function tokenCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.split(' ')) {
    if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}
