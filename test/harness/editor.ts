import * as Y from 'yjs';
import { CloseCode } from '../../server/protocol/index.ts';
import { RawClient } from './raw-client.ts';

/** Where an editor can ask for a document's owner (any live node). */
export interface RouteSource {
  /** Base URLs (`ws://…`) of nodes that may be alive. */
  nodeUrls(): string[];
}

/**
 * A simulated editor: one Y.Doc, typing unique tokens, following redirects and reconnecting
 * like the real client (owner look-up on any live node, jittered retry). It records which
 * tokens the server acknowledged: ACK n covers every token typed before content message n
 * of that connection was sent (acks are cumulative; a connection's first content message is
 * its SyncStep2, which carries everything not yet on the server).
 */
export class SimEditor {
  readonly doc = new Y.Doc();
  readonly typed: string[] = [];
  /** `performance.now()` when each token was typed and when its ACK arrived (benchmarks). */
  readonly typedAt: number[] = [];
  readonly ackedAt: number[] = [];
  ackedCount = 0;
  redirects = 0;
  reconnects = 0;
  badCloses: string[] = [];
  private client: RawClient | null = null;
  private tokensAtContent: number[] = [];
  private stopped = false;
  private seq = 0;
  private nodeIndex = 0;
  /** Node ids that served this editor (from HELLO). */
  readonly servedBy: string[] = [];

  constructor(
    readonly docId: string,
    readonly name: string,
    private readonly routes: RouteSource,
  ) {}

  text(): string {
    return this.doc.getText('t').toString();
  }

  /** Tokens the server acknowledged as durable. */
  acked(): string[] {
    return this.typed.slice(0, this.ackedCount);
  }

  get connected(): boolean {
    return this.client?.synced === true && this.client.closeCode === null;
  }

  start(): void {
    void this.connectLoop(undefined);
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
    this.stopped = true;
    this.client?.close();
  }

  currentNode(): string | undefined {
    return this.servedBy.at(-1);
  }

  private async connectLoop(redirectUrl: string | undefined): Promise<void> {
    let url = redirectUrl;
    let hops = 0;
    while (!this.stopped) {
      if (!url) url = await this.findOwner();
      if (!url) {
        await sleep(100 + Math.random() * 200);
        continue;
      }
      const closed = await this.connectOnce(url);
      if (this.stopped) return;
      if (closed.code === CloseCode.REDIRECT && closed.redirect && hops < 5) {
        this.redirects++;
        hops++;
        url = closed.redirect;
        continue;
      }
      if (closed.code === CloseCode.BAD_REQUEST || closed.code === CloseCode.UPGRADE_REQUIRED) {
        this.badCloses.push(`${closed.code} ${closed.reason}`);
      }
      hops = 0;
      url = undefined;
      this.reconnects++;
      await sleep(50 + Math.random() * 250);
    }
  }

  private async findOwner(): Promise<string | undefined> {
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
    return undefined;
  }

  private connectOnce(url: string): Promise<{ code: number; reason: string; redirect?: string }> {
    return new Promise((resolve) => {
      this.tokensAtContent = [0];
      const client = new RawClient(url, this.docId, {
        doc: this.doc,
        onContentSent: (n) => {
          this.tokensAtContent[n] = this.typed.length;
        },
        onAck: (count) => {
          const covered = this.tokensAtContent[count] ?? 0;
          if (covered > this.ackedCount) {
            const now = performance.now();
            for (let i = this.ackedCount; i < covered; i++) this.ackedAt[i] = now;
            this.ackedCount = covered;
          }
        },
      });
      this.client = client;
      client.ws.on('close', (code, reason) => {
        client.detach();
        const redirect = client.frame('redirect');
        resolve({
          code,
          reason: reason.toString(),
          ...(redirect ? { redirect: redirect.url } : {}),
        });
      });
      client.ws.on('error', () => {});
      client.opened().catch(() => {});
      client.ws.on('message', () => {
        const hello = client.frame('hello');
        if (hello && this.servedBy.at(-1) !== hello.node) this.servedBy.push(hello.node);
      });
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Counts whole-word occurrences of each token in a text. */
export function tokenCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.split(' ')) {
    if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}
