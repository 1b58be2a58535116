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
  /** Rooms no client may write (version history, W6): content is dropped as for `view`. */
  readonly isReadOnlyRoom?: (docId: string) => boolean;
}

/**
 * One client connection to one document: queues frames until its room is ready, then
 * handles them strictly in order. Acknowledges content only once durable (C4) and closes
 * only its own socket on bad input (C5).
 */
export class Session {
  private state: 'pending' | 'open' | 'closed' = 'pending';
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private room: Room | null = null;
  private contentReceived = 0;
  private acked = 0;
  private permission: Permission | null = null;
  private toldReadOnly = false;
  private readonly budget: ConnectionBudget | null;
  private readonly closeListeners: Array<() => void> = [];

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
    else this.closeListeners.push(listener);
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
    const refusal = this.budget?.frame(frame.length);
    if (refusal) {
      this.refuse(refusal);
      return;
    }
    if (this.state === 'pending') {
      this.queuedBytes += frame.length;
      if (this.queuedBytes > this.deps.maxPendingBytes) {
        this.reject(CloseCode.TOO_BIG, 'too much data before the document was ready');
        return;
      }
      this.queue.push(frame);
      return;
    }
    this.handle(frame);
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
      const queued = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      for (const frame of queued) {
        if (this.state !== 'open') break;
        this.handle(frame);
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
    if (this.isRingdocClient) this.conn.send(encodeRedirect(target));
    this.reject(CloseCode.REDIRECT, `redirect to ${target.owner} ${target.url}`);
  }

  /** The socket closed (either side): leave the room, drop queued frames. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue = [];
    this.room?.leave(this.conn);
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private handle(bytes: Uint8Array): void {
    const room = this.room;
    if (!room) return;
    const refusal = this.deps.limits?.documents.inbound(room.doc, bytes.length);
    if (refusal) {
      this.refuse(refusal);
      return;
    }
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
      case 'sync-update':
        this.applyContent(room, frame.update);
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

  private applyContent(room: Room, update: Uint8Array): void {
    if (this.deps.isFenced()) {
      this.reject(CloseCode.RETRY, 'node fenced from the cluster', { retryAfterMs: 1000 });
      return;
    }
    if (this.permission === 'view' || this.deps.isReadOnlyRoom?.(room.docId)) {
      this.ignoreReadOnlyContent();
      return;
    }
    const refusal = this.deps.limits?.documents.admitUpdate(room.doc, update);
    if (refusal) {
      this.refuse(refusal);
      return;
    }
    const n = ++this.contentReceived;
    try {
      room.applyUpdate(update, this.conn);
    } catch (error) {
      this.deps.log.warn('rejected an update Yjs cannot apply', {
        docId: this.info.docId,
        error,
      });
      this.reject(CloseCode.BAD_REQUEST, 'update cannot be applied');
      return;
    }
    room.durable().then(
      () => this.ack(n),
      () => {
        /* the room faulted and closes this socket with retry; nothing is acked */
      },
    );
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
    if (this.isRingdocClient) this.conn.cork(() => this.conn.send(encodeAck(n)));
  }
}
