import type { ConnectionBudget } from '../limits/connection-budget.ts';
import type { NodeLimits } from '../limits/node-limits.ts';
import type { Refusal } from '../limits/refusal.ts';
import type { Logger } from '../log.ts';
import type { NodeMetrics } from '../node-metrics.ts';
import {
  CloseCode,
  closeReason,
  decodeClientFrame,
  encodeAck,
  encodeAwareness,
  encodeHello,
  encodeNotice,
  encodeRedirect,
  encodeReply,
  encodeSyncStep1,
  encodeSyncStep2,
  type Permission,
  ProtocolError,
  type Request,
} from '../protocol/index.ts';
import type { Connection } from './connection.ts';
import { AwarenessRejected, type Room } from './room.ts';

/** What the client said when it connected (C1). */
export interface ConnectInfo {
  readonly docId: string;
  readonly build?: string | undefined;
  readonly proto?: number | undefined;
  readonly epoch?: number | undefined;
  readonly generation?: string | undefined;
  /**
   * Whether the client follows REDIRECT (C10). Default: ringdoc clients (`proto` given) do;
   * everything else (stock y-websocket, Hocuspocus, scripts) is forwarded instead.
   */
  readonly followsRedirects?: boolean | undefined;
  /** The node the client lost and asks to be served without (P30, M8). */
  readonly suspect?: string | undefined;
  /** The client moves before it is closed (P11a, `moves=1`). */
  readonly movesBeforeClose?: boolean | undefined;
}

export interface SessionDeps {
  readonly nodeId: string;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  readonly maxPendingBytes: number;
  /** The node's current ring epoch (sent in HELLO). */
  readonly epoch: () => number;
  readonly protocolVersion: number;
  /** True while the node must not accept edits (fenced, DESIGN R6). */
  readonly isFenced: () => boolean;
  /** Rate and size limits (P22, `server/limits`); absent: only the pending and awareness caps. */
  readonly limits?: NodeLimits;
  /** Room operations (REQUEST, P23); absent: every request is answered 4400. */
  readonly onRequest?: (session: Session, room: Room, request: Request) => void;
  /**
   * Called after a catch-up (a client's SyncStep2) was applied: the registry keeps a room
   * nobody edits encoded (issue 14). Absent: nothing.
   */
  readonly afterCatchUp?: (room: Room) => void;
  /** Rooms no client may write (version history, W6): content is dropped as for `view`. */
  readonly isReadOnlyRoom?: (docId: string) => boolean;
  /**
   * Runs `fn` after `ms` (the node's clock). Given, a frame over a rate limit (P22: frames or
   * bytes per connection, bytes into a document) is held and handled once the rate allows it,
   * instead of closing the socket; absent, the socket is closed with 4529 as before.
   */
  readonly pace?: (ms: number, fn: () => void) => () => void;
}

/**
 * One client connection to one document: queues frames until its room is ready, then
 * handles them strictly in order. Acknowledges content only once durable (C4) and closes
 * only its own socket on bad input (C5).
 */
export class Session {
  private state: 'pending' | 'open' | 'closed' = 'pending';
  /** Frames received before the session was attached; null when none (an idle socket holds no array). */
  private queue: Uint8Array[] | null = null;
  private queuedBytes = 0;
  private room: Room | null = null;
  private contentReceived = 0;
  private acked = 0;
  /** The durability promise an ACK waits for, and the highest update count it covers. */
  private ackWait: { readonly durable: Promise<void>; n: number } | null = null;
  private permission: Permission | null = null;
  private toldReadOnly = false;
  private readonly budget: ConnectionBudget | null;
  /** Null until a listener is added (only forwarded sessions have one). */
  private closeListeners: Array<() => void> | null = null;
  /** Frames held by pacing (P22), in arrival order; the first may already be charged. */
  private paced: Uint8Array[] | null = null;
  private pacedBytes = 0;
  private headCharged = false;
  private cancelPace: (() => void) | null = null;
  /** P11a: cancels the close that ends an announced move's grace. */
  private cancelMove: (() => void) | null = null;
  /** The refusal that started holding frames: the close reason if the backlog overflows. */
  private pacedBy: Refusal | null = null;

  constructor(
    readonly conn: Connection,
    readonly info: ConnectInfo,
    private readonly deps: SessionDeps,
  ) {
    this.budget = deps.limits?.connection() ?? null;
  }

  /** What this connection may do: `edit` unless a ticket restricted it (P21). */
  get perm(): Permission {
    return this.permission ?? 'edit';
  }

  /**
   * Sets what this connection may do, from its verified ticket (P21). Call before `attach`;
   * HELLO then carries `perm`. A `view` session's content is never applied, stored or acked.
   */
  setPermission(perm: Permission): void {
    this.permission = perm;
  }

  /** True when the client speaks ringdoc's own messages (it declared a protocol version). */
  get isRingdocClient(): boolean {
    return this.info.proto !== undefined;
  }

  /** True when the client follows REDIRECT; otherwise the node forwards it (C10). */
  get followsRedirects(): boolean {
    return this.info.followsRedirects ?? this.isRingdocClient;
  }

  /** Calls `listener` once when the session closes (at once if it has). */
  onClose(listener: () => void): void {
    if (this.state === 'closed') listener();
    else if (this.closeListeners) this.closeListeners.push(listener);
    else this.closeListeners = [listener];
  }

  /**
   * Leaves the current room and waits for the next `attach` (a client that does not follow
   * redirects moves to a forward, C10): frames that arrive meanwhile are queued, counts and
   * acks carry on.
   */
  detach(): void {
    if (this.state !== 'open') return;
    this.room?.leave(this.conn);
    this.room = null;
    this.state = 'pending';
  }

  get currentRoom(): Room | null {
    return this.room;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Handles one frame. `frame` must stay valid after return (copy uWS buffers first). */
  receive(frame: Uint8Array): void {
    if (this.state === 'closed') return;
    if (this.paced) {
      this.holdPaced(frame);
      return;
    }
    const refusal = this.budget?.frame(frame.length);
    if (refusal) {
      if (this.deps.pace && refusal.waitMs !== undefined) {
        this.pacedBy = refusal;
        this.holdPaced(frame);
        this.schedulePace(refusal.waitMs);
      } else {
        this.refuse(refusal);
      }
      return;
    }
    this.admit(frame);
  }

  /** A frame that passed the connection's rate limits: queued until attached, else handled. */
  private admit(frame: Uint8Array): void {
    if (this.state === 'pending') {
      this.queuedBytes += frame.length;
      if (this.queuedBytes > this.deps.maxPendingBytes) {
        this.reject(CloseCode.TOO_BIG, 'too much data before the document was ready');
        return;
      }
      if (this.queue) this.queue.push(frame);
      else this.queue = [frame];
      return;
    }
    if (!this.handle(frame)) {
      // deferred by the document's rate: it heads the paced frames (already charged)
      this.paced = [frame, ...(this.paced ?? [])];
      this.pacedBytes += frame.length;
      this.headCharged = true;
      this.checkBacklog();
    }
  }

  /** Holds `frame` behind earlier paced frames; an overflowing backlog closes the socket. */
  private holdPaced(frame: Uint8Array): void {
    this.paced ??= [];
    this.paced.push(frame);
    this.pacedBytes += frame.length;
    this.checkBacklog();
  }

  /**
   * The held backlog may hold one more burst (P22): more frames than `messageBurst` or more
   * bytes than `byteBurst` close the socket with the refusal that started the holding (4529);
   * more than `maxPendingBytes` with 1009.
   */
  private checkBacklog(): void {
    const held = this.paced;
    if (!held) return;
    if (this.pacedBytes > this.deps.maxPendingBytes) {
      this.reject(CloseCode.TOO_BIG, 'too much data held back by the rate limit');
      return;
    }
    const settings = this.deps.limits?.settings;
    if (!settings || !this.pacedBy) return;
    if (held.length > settings.messageBurst || this.pacedBytes > settings.byteBurst) {
      this.refuse(this.pacedBy);
    }
  }

  private schedulePace(ms: number): void {
    if (this.cancelPace || !this.deps.pace) return;
    this.deps.metrics.rejected(CloseCode.RATE_LIMITED).inc();
    this.cancelPace = this.deps.pace(Math.max(1, ms), () => {
      this.cancelPace = null;
      this.drainPaced();
    });
  }

  /** Handles held frames in order while the rates allow, then waits again. */
  private drainPaced(): void {
    while (this.paced && this.state !== 'closed') {
      const frame = this.paced[0];
      if (frame === undefined) {
        this.paced = null;
        this.pacedBytes = 0;
        return;
      }
      if (!this.headCharged) {
        const refusal = this.budget?.frame(frame.length);
        if (refusal) {
          this.pacedBy = refusal;
          this.schedulePace(refusal.waitMs ?? 1000);
          return;
        }
        this.headCharged = true;
      }
      if (this.state === 'open') {
        const room = this.room;
        const wait = room ? this.documentWait(room, frame) : 0;
        if (wait > 0) {
          this.schedulePace(wait);
          return;
        }
      }
      this.paced.shift();
      this.pacedBytes -= frame.length;
      this.headCharged = false;
      if (this.paced.length === 0) {
        this.paced = null;
        this.pacedBytes = 0;
      }
      if (this.state === 'pending') {
        this.admit(frame);
      } else {
        this.handle(frame, true);
      }
    }
  }

  /** Charges `frame` to the document's inbound rate; milliseconds to wait when over it. */
  private documentWait(room: Room, frame: Uint8Array): number {
    const refusal = this.deps.limits?.documents.inbound(room, frame.length);
    if (!refusal) return 0;
    if (refusal.waitMs === undefined) {
      this.refuse(refusal);
      return 0;
    }
    this.pacedBy = refusal;
    return refusal.waitMs;
  }

  /** Binds the session to its loaded room: HELLO, SyncStep1, awareness, then queued frames. */
  attach(room: Room): void {
    if (this.state !== 'pending') return;
    this.state = 'open';
    this.room = room;
    room.join(this.conn);
    this.conn.cork(() => {
      if (this.isRingdocClient) {
        this.conn.send(
          encodeHello({
            node: this.deps.nodeId,
            epoch: this.deps.epoch(),
            generation: room.generation,
            protocol: this.deps.protocolVersion,
            ...(this.deps.isReadOnlyRoom?.(room.docId)
              ? { perm: 'view' as const }
              : this.permission
                ? { perm: this.permission }
                : {}),
          }),
        );
      }
      if (this.info.generation !== undefined && this.info.generation !== room.generation) {
        // P17 / M7: never merge a state from another generation of this document.
        this.reject(
          CloseCode.GENERATION_MISMATCH,
          `document was re-created (generation ${room.generation}); reload and recover local text`,
        );
        return;
      }
      this.conn.send(encodeSyncStep1(room.stateVector()));
      const states = room.awarenessSnapshot();
      if (states) this.conn.send(encodeAwareness(states));
      const queued = this.queue ?? [];
      this.queue = null;
      this.queuedBytes = 0;
      for (const [i, frame] of queued.entries()) {
        if (this.state !== 'open') break;
        if (!this.handle(frame)) {
          // deferred by the document's rate (P22): it and what follows wait, in order
          this.paced = [...queued.slice(i), ...(this.paced ?? [])];
          this.pacedBytes = this.paced.reduce((n, f) => n + f.length, 0);
          this.headCharged = true;
          this.checkBacklog();
          break;
        }
      }
    });
  }

  /** Sends a NOTICE (ringdoc clients) then closes with `code` (P-rules of PROTOCOL.md). */
  reject(code: number, detail: string, extra?: { retryAfterMs?: number }): void {
    if (this.state === 'closed' || this.conn.closed) return;
    const reason = closeReason(code, detail);
    this.deps.metrics.rejected(code).inc();
    if (this.isRingdocClient) {
      this.conn.send(encodeNotice({ code, reason: detail, ...extra }));
    }
    this.conn.close(code, reason);
    this.closed();
  }

  /** Closes with a limit's refusal (P22). */
  refuse(refusal: Refusal): void {
    this.reject(
      refusal.code,
      refusal.reason,
      refusal.retryAfterMs !== undefined ? { retryAfterMs: refusal.retryAfterMs } : undefined,
    );
  }

  /** Sends the client to the document's owner: REDIRECT (ringdoc clients) then close 4300 (C2). */
  redirect(target: { owner: string; url: string; epoch: number }): void {
    if (this.state === 'closed' || this.conn.closed) return;
    this.cancelMove?.();
    this.cancelMove = null;
    if (this.isRingdocClient) this.conn.send(encodeRedirect(target));
    this.reject(CloseCode.REDIRECT, `redirect to ${target.owner} ${target.url}`);
  }

  /** True while a move (P11a) was announced and the client has not left yet. */
  get moving(): boolean {
    return this.cancelMove !== null;
  }

  /**
   * P11a: a client that moves before it is closed (`moves=1`) and has its HELLO is told of the
   * owner with a REDIRECT carrying `graceMs` and keeps being served here (its edits are
   * acknowledged as before, replicated to the new holders) until it leaves; after `graceMs`
   * it is redirected as in P11. Any other client is redirected at once. Repeating it while
   * the move runs changes nothing.
   */
  move(
    target: { owner: string; url: string; epoch: number },
    graceMs: number,
    after: (ms: number, fn: () => void) => () => void,
  ): void {
    if (this.state === 'closed' || this.conn.closed || this.cancelMove) return;
    if (!this.info.movesBeforeClose || !this.isRingdocClient || this.state !== 'open') {
      this.redirect(target);
      return;
    }
    this.conn.send(encodeRedirect({ ...target, graceMs }));
    this.cancelMove = after(graceMs, () => {
      this.cancelMove = null;
      this.redirect(target);
    });
  }

  /** The socket closed (either side): leave the room, drop queued frames. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue = null;
    this.paced = null;
    this.pacedBytes = 0;
    this.cancelPace?.();
    this.cancelPace = null;
    this.cancelMove?.();
    this.cancelMove = null;
    this.room?.leave(this.conn);
    const listeners = this.closeListeners ?? [];
    this.closeListeners = null;
    for (const listener of listeners) listener();
  }

  /**
   * Handles one admitted frame. Returns false, doing nothing, when the document's inbound rate
   * defers it (pacing, P22): the caller holds it. `charged`: the document rate was already paid.
   */
  private handle(bytes: Uint8Array, charged = false): boolean {
    const room = this.room;
    if (!room) return true;
    if (!charged) {
      const refusal = this.deps.limits?.documents.inbound(room, bytes.length);
      if (refusal) {
        if (this.deps.pace && refusal.waitMs !== undefined) {
          this.pacedBy = refusal;
          this.schedulePace(refusal.waitMs);
          return false;
        }
        this.refuse(refusal);
        return true;
      }
    }
    this.handleFrame(room, bytes);
    return true;
  }

  private handleFrame(room: Room, bytes: Uint8Array): void {
    let frame: ReturnType<typeof decodeClientFrame>;
    try {
      frame = decodeClientFrame(bytes);
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.reject(error.code, error.reason);
        return;
      }
      throw error;
    }
    switch (frame.type) {
      case 'sync-step1': {
        let missing: Uint8Array;
        try {
          missing = room.missingSince(frame.stateVector);
        } catch {
          this.reject(CloseCode.BAD_REQUEST, 'malformed state vector in sync step 1');
          return;
        }
        this.conn.send(encodeSyncStep2(missing));
        return;
      }
      case 'sync-step2':
        // a catch-up: not an edit, and mostly nothing new (an encoded room stays encoded)
        if (this.applyContent(room, frame.update, 'catch-up')) this.deps.afterCatchUp?.(room);
        return;
      case 'sync-update':
        // an Update frame is relayed to the other connections as received (no re-encoding)
        this.applyContent(room, frame.update, bytes);
        return;
      case 'awareness': {
        const refusal = this.budget?.awareness();
        if (refusal) {
          this.refuse(refusal);
          return;
        }
        try {
          const dropped = room.applyAwareness(frame.update, this.conn);
          if (dropped > 0) this.deps.metrics.awarenessDropped.inc(dropped);
        } catch (error) {
          const detail =
            error instanceof AwarenessRejected ? error.message : 'malformed awareness update';
          this.reject(CloseCode.BAD_REQUEST, detail);
        }
        return;
      }
      case 'ticket':
        // Verified by the node's access control (server/auth) before frames reach the
        // session; a node without access control ignores tickets (P21).
        return;
      case 'query-awareness': {
        const states = room.awarenessSnapshot();
        if (states) this.conn.send(encodeAwareness(states));
        return;
      }
      case 'request': {
        const { type: _, ...request } = frame;
        if (this.deps.onRequest) this.deps.onRequest(this, room, request);
        else
          this.conn.send(
            encodeReply({
              id: request.id,
              ok: false,
              code: CloseCode.BAD_REQUEST,
              reason: `unknown operation ${request.op}`,
            }),
          );
        return;
      }
    }
  }

  /**
   * Applies a client's content: `frame`, the Update frame carrying a live edit (relayed as
   * is), or `catch-up` for the update of its SyncStep2. Returns whether it was applied (then
   * it is acknowledged once durable).
   */
  private applyContent(room: Room, update: Uint8Array, frame: Uint8Array | 'catch-up'): boolean {
    if (this.deps.isFenced()) {
      this.reject(CloseCode.RETRY, 'node fenced from the cluster', { retryAfterMs: 1000 });
      return false;
    }
    if (this.permission === 'view' || this.deps.isReadOnlyRoom?.(room.docId)) {
      this.ignoreReadOnlyContent();
      return false;
    }
    const refusal = this.deps.limits?.documents.admitUpdate(room, update);
    if (refusal) {
      this.refuse(refusal);
      return false;
    }
    const n = ++this.contentReceived;
    try {
      if (frame === 'catch-up') room.applyCatchUp(update, this.conn);
      else room.applyUpdate(update, this.conn, frame);
    } catch (error) {
      this.deps.log.warn('rejected an update Yjs cannot apply', {
        docId: this.info.docId,
        error,
      });
      this.reject(CloseCode.BAD_REQUEST, 'update cannot be applied');
      return false;
    }
    const durable = room.durable();
    const waiting = this.ackWait;
    if (waiting && waiting.durable === durable) {
      // the same commit window: its one ACK covers this update too (cumulative, P-rules)
      waiting.n = n;
      return true;
    }
    const wait = { durable, n };
    this.ackWait = wait;
    durable.then(
      () => {
        if (this.ackWait === wait) this.ackWait = null;
        this.ack(wait.n);
      },
      () => {
        /* the room faulted and closes this socket with retry; nothing is acked */
      },
    );
    return true;
  }

  /**
   * A `view` session's content is dropped: not applied, stored, counted or acknowledged (P21).
   * The first time, a ringdoc client is told so (NOTICE 4403 "read-only", socket kept open).
   */
  private ignoreReadOnlyContent(): void {
    if (this.toldReadOnly) return;
    this.toldReadOnly = true;
    if (this.isRingdocClient) {
      this.conn.send(
        encodeNotice({
          code: CloseCode.FORBIDDEN,
          reason: 'read-only: this connection may view the document; its updates are ignored',
        }),
      );
    }
  }

  private ack(n: number): void {
    if (this.state !== 'open' || n <= this.acked) return;
    this.acked = n;
    // a closure per ACK (one per commit window at most), not one bound per session: an idle
    // socket holds none (issue 14, memory per connection)
    if (this.isRingdocClient) this.conn.cork(() => this.conn.send(encodeAck(this.acked)));
  }
}
