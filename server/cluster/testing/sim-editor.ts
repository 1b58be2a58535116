import * as Y from 'yjs';
import {
  CloseCode,
  decodeServerFrame,
  encodeClientFrame,
  formatConnectPath,
  PROTOCOL_VERSION,
  type ServerFrame,
} from '../../protocol/index.ts';
import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';
import { nodeOfUrl } from './sim-membership.ts';
import type { SimSocket, SocketEnd } from './sim-network.ts';

/** How an editor reaches nodes. */
export interface EditorTransport {
  /** Node ids whose URLs the editor knows (any may be down). */
  candidates(): string[];
  /**
   * Opens a socket to `nodeId` with `pathAndQuery` (C1); `onOpen` runs with the editor's
   * end once the node accepted it. A node that is down refuses (the end closes with 1006).
   */
  connect(
    editor: string,
    nodeId: string,
    pathAndQuery: string,
    onOpen: (end: SocketEnd) => void,
  ): SimSocket;
}

interface Attempt {
  readonly socket: SimSocket;
  readonly nodeId: string;
  sentStep2: boolean;
  contentSent: number;
  /** tokensAtContent[n]: tokens typed when content message n was sent. */
  readonly tokensAtContent: number[];
  synced: boolean;
  servedBy: string | null;
  redirect: { owner: string; url: string; epoch: number } | null;
  retryAfterMs: number | undefined;
}

export interface SimEditorOptions {
  readonly name: string;
  readonly docId: string;
  /** Yjs client id of the editor's document (deterministic per seed). */
  readonly clientId: number;
  readonly clock: SimClock;
  readonly prng: Prng;
  readonly transport: EditorTransport;
  readonly trace: (line: string) => void;
  /**
   * Asks to be forwarded (`follow=0`, PROTOCOL.md F1): whichever node it reaches serves it
   * through a forward to the owner, so it never gets REDIRECT.
   */
  readonly forwarded?: boolean;
}

/**
 * A simulated editor tab: one Y.Doc typing unique tokens (`<name>.<n> `), speaking the
 * client protocol like `test/harness/editor.ts` and the web provider: SyncStep1 on open,
 * SyncStep2 answering the node's, then one update per edit; HELLO's generation is
 * remembered and sent on reconnect (M7); redirects are followed (at most 5 in a row, C3);
 * any other close is retried after a jittered delay, honouring retry-after.
 *
 * Acknowledgements are recorded as the harness does: ACK n covers every token typed before
 * content message n of that connection was sent (the first content message is SyncStep2,
 * which carries everything the node lacks).
 */
export class SimEditor {
  doc: Y.Doc;
  readonly typed: string[] = [];
  ackedCount = 0;

  /** True when the editor asks to be forwarded rather than redirected (C10). */
  get forwarded(): boolean {
    return this.options.forwarded === true;
  }
  /** Tokens typed into a document the node told us was re-created (never acknowledged). */
  readonly abandoned: string[] = [];
  /** Protocol violations seen by this editor. */
  readonly violations: string[] = [];
  generation: string | null = null;
  epoch = 0;
  redirectsFollowed = 0;
  resets = 0;
  private attempt: Attempt | null = null;
  private hops = 0;
  private seq = 0;
  private stopped = true;
  private tabClosed = false;
  private cancelRetry: (() => void) | null = null;
  private readonly remote = {};

  constructor(private readonly options: SimEditorOptions) {
    this.doc = this.newDoc();
  }

  get name(): string {
    return this.options.name;
  }

  get docId(): string {
    return this.options.docId;
  }

  get closedTab(): boolean {
    return this.tabClosed;
  }

  /** Acknowledged tokens (durable per C4). */
  acked(): string[] {
    const abandoned = new Set(this.abandoned);
    return this.typed.slice(0, this.ackedCount).filter((t) => !abandoned.has(t));
  }

  /** Tokens of the document this tab holds now (abandoned ones excluded). */
  current(): string[] {
    const abandoned = new Set(this.abandoned);
    return this.typed.filter((t) => !abandoned.has(t));
  }

  /** Node serving this editor now (HELLO received and synced), or `null`. */
  servedBy(): string | null {
    const a = this.attempt;
    return a && !a.socket.a.closed && a.synced ? a.servedBy : null;
  }

  /** Connected, synced, and nothing unacknowledged. */
  settled(): boolean {
    return this.servedBy() !== null && this.ackedCount === this.typed.length;
  }

  text(): string {
    return this.doc.getText('t').toString();
  }

  start(): void {
    if (this.tabClosed || !this.stopped) return;
    this.stopped = false;
    this.connect(null);
  }

  /** Appends one unique token. Works offline too (sent on the next sync). */
  type(): string | null {
    if (this.tabClosed) return null;
    const token = `${this.options.name}.${this.seq++}`;
    this.typed.push(token);
    const text = this.doc.getText('t');
    text.insert(text.length, `${token} `);
    return token;
  }

  /** The network drops the connection (both sides see 1006 later). */
  disconnect(): void {
    this.attempt?.socket.abort();
  }

  /** Stops connecting (closes the socket gracefully); `start()` resumes. */
  suspend(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    const a = this.attempt;
    this.attempt = null;
    a?.socket.a.close(CloseCode.NORMAL, 'suspended');
  }

  /** The tab is closed for good: unacknowledged tokens may be lost. */
  closeTab(): void {
    this.suspend();
    this.tabClosed = true;
  }

  private newDoc(): Y.Doc {
    const doc = new Y.Doc();
    doc.clientID = (this.options.clientId ^ Math.imul(this.resets, 0x9e3779b1)) >>> 0;
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this.remote) return;
      const a = this.attempt;
      if (!a || a.socket.a.closed || !a.sentStep2) return;
      this.sendContent(a, encodeClientFrame({ type: 'sync-update', update }));
    });
    return doc;
  }

  private sendContent(a: Attempt, frame: Uint8Array): void {
    a.socket.a.send(frame);
    a.contentSent++;
    a.tokensAtContent[a.contentSent] = this.typed.length;
  }

  private connect(target: string | null): void {
    if (this.stopped) return;
    const nodeId = target ?? this.options.prng.pick(this.options.transport.candidates());
    const path = formatConnectPath({
      docId: this.options.docId,
      build: 'sim',
      proto: PROTOCOL_VERSION,
      ...(this.epoch > 0 ? { epoch: this.epoch } : {}),
      ...(this.generation ? { generation: this.generation } : {}),
      ...(this.options.forwarded ? { followsRedirects: false } : {}),
    });
    const socket = this.options.transport.connect(this.options.name, nodeId, path, (end) => {
      if (this.attempt?.socket !== socket) return;
      end.send(
        encodeClientFrame({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) }),
      );
    });
    const attempt: Attempt = {
      socket,
      nodeId,
      sentStep2: false,
      contentSent: 0,
      tokensAtContent: [0],
      synced: false,
      servedBy: null,
      redirect: null,
      retryAfterMs: undefined,
    };
    this.attempt = attempt;
    socket.a.onMessage = (frame) => {
      if (this.attempt === attempt) this.onFrame(attempt, frame);
    };
    socket.a.onClose = (code, reason) => {
      if (this.attempt === attempt) this.onClose(attempt, code, reason);
    };
  }

  private onFrame(a: Attempt, bytes: Uint8Array): void {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(bytes);
    } catch (error) {
      this.violation(`undecodable frame from ${a.nodeId}: ${(error as Error).message}`);
      a.socket.abort();
      return;
    }
    switch (frame.type) {
      case 'hello':
        a.servedBy = frame.node;
        if (frame.epoch > this.epoch) this.epoch = frame.epoch;
        if (this.generation !== null && frame.generation !== this.generation) {
          this.generationChanged(a, frame.generation);
          return;
        }
        this.generation = frame.generation;
        return;
      case 'sync-step1':
        this.sendContent(
          a,
          encodeClientFrame({
            type: 'sync-step2',
            update: Y.encodeStateAsUpdate(this.doc, frame.stateVector),
          }),
        );
        a.sentStep2 = true;
        return;
      case 'sync-step2':
        this.apply(a, frame.update);
        a.synced = true;
        return;
      case 'sync-update':
        this.apply(a, frame.update);
        return;
      case 'ack': {
        const covered = a.tokensAtContent[frame.count];
        if (covered === undefined) {
          this.violation(`ack ${frame.count} from ${a.nodeId} beyond ${a.contentSent} sent`);
          return;
        }
        if (covered > this.ackedCount) this.ackedCount = covered;
        return;
      }
      case 'redirect':
        a.redirect = { owner: frame.owner, url: frame.url, epoch: frame.epoch };
        if (frame.epoch > this.epoch) this.epoch = frame.epoch;
        return;
      case 'notice':
        a.retryAfterMs = frame.retryAfterMs;
        return;
      case 'upgrade-required':
        this.violation(`upgrade required from ${a.nodeId}`);
        return;
      default:
        return;
    }
  }

  private apply(a: Attempt, update: Uint8Array): void {
    try {
      Y.applyUpdate(this.doc, update, this.remote);
    } catch (error) {
      this.violation(`update from ${a.nodeId} cannot be applied: ${(error as Error).message}`);
    }
  }

  /**
   * M7: the node serves another generation. Acknowledged tokens belong to a generation that
   * was durable, so it must never have been re-created; otherwise (nothing was ever durable)
   * the tab reloads: its unacknowledged tokens are abandoned and it starts over.
   */
  private generationChanged(a: Attempt, theirs: string): void {
    if (this.ackedCount > 0) {
      this.violation(
        `generation changed from ${this.generation} to ${theirs} at ${a.nodeId} after ${this.ackedCount} tokens were acknowledged`,
      );
    }
    this.options.trace(`${this.options.name} reloads: generation ${this.generation} → ${theirs}`);
    this.abandoned.push(...this.typed.slice(this.ackedCount));
    this.ackedCount = this.typed.length;
    this.resets++;
    this.generation = null;
    this.attempt = null;
    a.socket.a.close(CloseCode.NORMAL, 'generation mismatch');
    this.doc.destroy();
    this.doc = this.newDoc();
    this.retryLater(undefined);
  }

  private onClose(a: Attempt, code: number, reason: string): void {
    this.attempt = null;
    if (this.stopped) return;
    if (code === CloseCode.REDIRECT && a.redirect && this.hops < 5) {
      const target = nodeOfUrl(a.redirect.url);
      if (target === null) {
        this.violation(`redirect to an unknown URL ${a.redirect.url}`);
      } else {
        this.hops++;
        this.redirectsFollowed++;
        this.connect(target);
        return;
      }
    }
    if (
      code === CloseCode.BAD_REQUEST ||
      code === CloseCode.TOO_BIG ||
      code === CloseCode.UPGRADE_REQUIRED ||
      code === CloseCode.FORBIDDEN
    ) {
      this.violation(`closed by ${a.nodeId} with ${code} ${reason}`);
    }
    if (code === CloseCode.GENERATION_MISMATCH && this.generation !== null) {
      this.violation(`closed with generation mismatch by ${a.nodeId} without a HELLO first`);
    }
    this.hops = 0;
    this.retryLater(a.retryAfterMs);
  }

  private retryLater(retryAfterMs: number | undefined): void {
    if (this.stopped) return;
    const wait = Math.max(retryAfterMs ?? 0, this.options.prng.int(20, 300));
    this.cancelRetry?.();
    this.cancelRetry = this.options.clock.after(wait, () => {
      this.cancelRetry = null;
      this.connect(null);
    });
  }

  private violation(message: string): void {
    this.violations.push(`${this.options.name}: ${message}`);
    this.options.trace(`VIOLATION ${this.options.name}: ${message}`);
  }
}
