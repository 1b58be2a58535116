import * as Y from 'yjs';
import {
  type Backoff,
  type ClientSocket,
  type Connection,
  createConnection,
  createDocSync,
  type DocSync,
  type SocketEvents,
} from '../../../client/index.ts';
import { CloseCode } from '../../protocol/index.ts';
import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';
import { nodeOfUrl, simUrls } from './sim-membership.ts';
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
  /**
   * P30 (M8): on losing its node go at once to another candidate naming it as `suspect`, and
   * suspect a node that leaves content unacknowledged for `ackTimeoutMs` (sim ms).
   */
  readonly failover?: { readonly ackTimeoutMs: number };
}

/** Close codes a correct cluster never sends this editor. */
const VIOLATING_CLOSES: ReadonlySet<number> = new Set([
  CloseCode.BAD_REQUEST,
  CloseCode.TOO_BIG,
  CloseCode.UPGRADE_REQUIRED,
  CloseCode.FORBIDDEN,
]);

/**
 * A simulated editor tab: one Y.Doc typing unique tokens (`<name>.<n> `), speaking the
 * client protocol through the shared client library (`client/`, as the web provider and the
 * harness editor do) over simulated sockets, on the simulated clock, with every random choice
 * (which node to try, retry delays of 20–300 ms honouring retry-after) drawn from its PRNG.
 * HELLO's generation is remembered and sent on reconnect (M7); a different one makes the tab
 * reload (its unacknowledged tokens are abandoned); redirects are followed to simulated node
 * URLs only (at most 5 in a row, C3); any other close is retried. What a correct cluster never
 * does (bad closes, undecodable frames, implausible ACKs) is recorded in `violations`.
 *
 * Acknowledgements are counted from the library's content sequence numbers: ACK n covers
 * every token typed before content message n of that connection was sent (the first content
 * message is SyncStep2, which carries everything the node lacks).
 */
export class SimEditor {
  doc: Y.Doc;
  readonly typed: string[] = [];
  ackedCount = 0;
  /** Tokens typed into a document the node told us was re-created (never acknowledged). */
  readonly abandoned: string[] = [];
  /** Protocol violations seen by this editor. */
  readonly violations: string[] = [];
  generation: string | null = null;
  resets = 0;
  private readonly connection: Connection;
  private readonly sync: DocSync;
  /** The socket of the connection's current session. */
  /** The socket of the connection's current session (set when it starts, cleared when it ends). */
  private socket: SimSocket | null = null;
  /** The socket opened last: the current session's, or a move's new one (P11a) until adopted. */
  private lastOpened: SimSocket | null = null;
  /** Every socket opened and not dropped by this editor (a move has two at once, P11a). */
  private readonly sockets = new Set<SimSocket>();
  /** tokensAtContent[n]: tokens typed when content message n of this socket was sent. */
  private tokensAtContent: number[] = [0];
  private seq = 0;
  private stopped = true;
  private tabClosed = false;

  /** Fails over to the next holder when it loses its node (P30). */
  get failsOver(): boolean {
    return this.options.failover !== undefined;
  }

  /** Asked to be forwarded (C10): served through whichever node it reached. */
  get forwarded(): boolean {
    return this.options.forwarded === true;
  }

  constructor(private readonly options: SimEditorOptions) {
    this.doc = this.newDoc();
    const prng = options.prng;
    const backoff: Backoff = {
      next: (retryAfterMs) => Math.max(retryAfterMs ?? 0, prng.int(20, 300)),
      reset: () => {},
      attempts: 0,
    };
    this.connection = createConnection({
      docId: options.docId,
      build: 'sim',
      ...(options.forwarded ? { followsRedirects: false as const } : {}),
      clock: options.clock,
      openSocket: (url, events) => this.open(url, events),
      resolve: () => simUrls(prng.pick(options.transport.candidates())).publicUrl,
      knownMember: (_owner, url) => nodeOfUrl(url) !== null,
      backoff,
      livenessTimeoutMs: 0,
      ...(options.failover
        ? {
            ackTimeoutMs: options.failover.ackTimeoutMs,
            failover: (lost: { node: string | null; url: string; suspects: readonly string[] }) => {
              const suspect = lost.node ?? nodeOfUrl(lost.url);
              const others = options.transport
                .candidates()
                .filter((id) => id !== suspect && !lost.suspects.includes(id));
              if (suspect === null || others.length === 0) return null;
              return { url: simUrls(prng.pick(others)).publicUrl, suspect };
            },
          }
        : {}),
      expectedGeneration: () => this.generation,
      onGenerationMismatch: 'retry',
    });
    this.sync = createDocSync(this.connection, { doc: this.doc });
    this.connection.on('opening', () => {
      this.tokensAtContent = [0];
      this.socket = this.lastOpened;
    });
    this.connection.on('ended', () => {
      this.socket = null;
    });
    this.connection.on('hello', (hello) => {
      this.generation = hello.generation;
    });
    this.sync.on('content', (seq) => {
      this.tokensAtContent[seq] = this.typed.length;
    });
    this.sync.on('ack', (count) => {
      const covered = this.tokensAtContent[count] ?? 0;
      if (covered > this.ackedCount) this.ackedCount = covered;
    });
    this.connection.on('generation-mismatch', ({ actual, node }) =>
      this.generationChanged(node, actual),
    );
    this.connection.on('fault', (message) => this.violation(message));
    this.connection.on('closed', ({ code, reason, url }) => {
      const node = nodeOfUrl(url);
      if (VIOLATING_CLOSES.has(code)) this.violation(`closed by ${node} with ${code} ${reason}`);
      if (code === CloseCode.GENERATION_MISMATCH && this.generation !== null) {
        this.violation(`closed with generation mismatch by ${node} without a HELLO first`);
      }
    });
    this.connection.on('redirect-refused', ({ target }) => {
      if (nodeOfUrl(target.url) === null) {
        this.violation(`redirect to an unknown URL ${target.url}`);
      }
    });
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

  /** Highest ring epoch this editor has seen (HELLO, REDIRECT). */
  get epoch(): number {
    return this.connection.state.epoch;
  }

  /** Redirects followed so far. */
  get redirectsFollowed(): number {
    return this.connection.state.redirects;
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
    const session = this.connection.session;
    if (!session?.synced || !this.socket || this.socket.a.closed) return null;
    return session.hello?.node ?? null;
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
    this.connection.connect();
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
    for (const socket of [...this.sockets]) socket.abort();
  }

  /** Stops connecting (closes the socket gracefully); `start()` resumes. */
  suspend(): void {
    this.stopped = true;
    this.connection.disconnect('suspended');
  }

  /** The tab is closed for good: unacknowledged tokens may be lost. */
  closeTab(): void {
    this.suspend();
    this.tabClosed = true;
  }

  private newDoc(): Y.Doc {
    const doc = new Y.Doc();
    doc.clientID = (this.options.clientId ^ Math.imul(this.resets, 0x9e3779b1)) >>> 0;
    return doc;
  }

  /** The library's socket over a simulated one (`ws://<node>.sim/doc/…`). */
  private open(url: string, events: SocketEvents): ClientSocket {
    const match = /^(ws:\/\/[^/]+)(\/.*)$/.exec(url);
    const nodeId = match ? nodeOfUrl(match[1] as string) : null;
    if (!match || nodeId === null) throw new Error(`not a simulated node URL: ${url}`);
    const socket = this.options.transport.connect(
      this.options.name,
      nodeId,
      match[2] as string,
      () => {
        if (this.sockets.has(socket)) events.onOpen();
      },
    );
    this.lastOpened = socket;
    this.sockets.add(socket);
    socket.a.onMessage = (frame) => events.onMessage(frame);
    socket.a.onClose = (code, reason) => {
      this.sockets.delete(socket);
      events.onClose(code, reason);
    };
    const sockets = this.sockets;
    return {
      send(frame) {
        if (socket.a.closed) return false;
        socket.a.send(frame);
        return true;
      },
      close(code, reason) {
        sockets.delete(socket);
        if (!socket.a.closed) socket.a.close(code, reason);
      },
    };
  }

  /**
   * M7: the node serves another generation. Acknowledged tokens belong to a generation that
   * was durable, so it must never have been re-created; otherwise (nothing was ever durable)
   * the tab reloads: its unacknowledged tokens are abandoned and it starts over (the
   * connection then retries after a PRNG delay).
   */
  private generationChanged(node: string, theirs: string): void {
    if (this.ackedCount > 0) {
      this.violation(
        `generation changed from ${this.generation} to ${theirs} at ${node} after ${this.ackedCount} tokens were acknowledged`,
      );
    }
    this.options.trace(`${this.options.name} reloads: generation ${this.generation} → ${theirs}`);
    this.abandoned.push(...this.typed.slice(this.ackedCount));
    this.ackedCount = this.typed.length;
    this.resets++;
    this.generation = null;
    this.doc.destroy();
    this.doc = this.newDoc();
    this.sync.setDoc(this.doc);
  }

  private violation(message: string): void {
    this.violations.push(`${this.options.name}: ${message}`);
    this.options.trace(`VIOLATION ${this.options.name}: ${message}`);
  }
}
