import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { RingView } from '../../ring/index.ts';
import type { Clock } from '../clock.ts';
import type { PeerPool, PeerStream, StreamHandlers } from '../cluster/peer-client.ts';
import { applyAndRelease } from '../documents/apply-and-release.ts';
import type { Broadcaster } from '../documents/connection.ts';
import { Room } from '../documents/room.ts';
import type { Session } from '../documents/session.ts';
import { VirtualConnection } from '../documents/virtual-connection.ts';
import type { Logger } from '../log.ts';
import type { NodeMetrics } from '../node-metrics.ts';
import {
  CloseCode,
  decodeServerFrame,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  ProtocolError,
} from '../protocol/index.ts';
import { decideOwner } from '../routing/owner.ts';

export interface ForwarderOptions {
  readonly selfId: string;
  readonly view: () => RingView | null;
  readonly pool: PeerPool;
  /** Serves a stream on this node itself (the document's owner is here): the peer service's. */
  readonly openLocal: (docId: string, epoch: number, sink: PeerStream) => StreamHandlers;
  readonly broadcaster: Broadcaster;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  readonly maxAwarenessBytes: number;
  /** Allocates ids of virtual connections. */
  readonly nextConnectionId: () => number;
  /** How long a mirror whose clients left waits for its unacknowledged updates (default 30 s). */
  readonly lingerMs?: number;
}

/**
 * Serves clients that do not follow redirects through the node they reached (C10,
 * PROTOCOL.md F1–F6). Per document it keeps one mirror (a Y.Doc in a `Room` of its own,
 * nothing stored) and one upstream stream to the owner, over which the mirror speaks the
 * ringdoc client protocol: it follows REDIRECT, drains and crashes by re-resolving the owner
 * and re-syncing, so its clients never notice. A client's update is acknowledged once the owner
 * acknowledged it (C4).
 */
export interface Forwarder {
  /** Serves `session` (admitted, pending) through the mirror of its document. */
  attach(session: Session): void;
  /** The ring changed: mirrors waiting to reconnect try now. */
  viewChanged(): void;
  /** Number of documents forwarded. */
  readonly size: number;
  /** Closes every upstream and mirror (their sessions are closed by the node). */
  stop(): void;
}

const UPSTREAM = Symbol('upstream');
const STOP_CODES = new Set<number>([
  CloseCode.BAD_REQUEST,
  CloseCode.GENERATION_MISMATCH,
  CloseCode.DOCUMENT_TOO_LARGE,
]);
const MIN_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 1000;

interface Pending {
  serial: number;
  n: number;
  resolve: () => void;
}

/** Creates the forwarder of one node. */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const mirrors = new Map<string, Mirror>();
  let stopped = false;

  class Mirror {
    readonly doc = new Y.Doc();
    room: Room | null = null;
    ready = false;
    readonly clients = new Set<Session>();
    private waiting: Session[] = [];
    private stream: PeerStream | null = null;
    private serial = 0;
    private hello = false;
    private seat: VirtualConnection | null = null;
    private sent = 0;
    private pending: Pending[] = [];
    private readonly localIds = new Set<number>();
    private backoffMs = MIN_BACKOFF_MS;
    private cancelRetry: (() => void) | null = null;
    private cancelLinger: (() => void) | null = null;
    private dead = false;

    constructor(readonly docId: string) {}

    add(session: Session): void {
      this.cancelLinger?.();
      this.cancelLinger = null;
      this.clients.add(session);
      session.onClose(() => this.release(session));
      if (this.ready && this.room) session.attach(this.room);
      else this.waiting.push(session);
      if (!this.stream && !this.cancelRetry) this.connect();
    }

    retryNow(): void {
      if (!this.cancelRetry) return;
      this.cancelRetry();
      this.cancelRetry = null;
      this.connect();
    }

    private connect(): void {
      if (this.dead) return;
      const view = options.view();
      const decision = decideOwner(view, options.selfId, this.docId);
      const epoch = view?.epoch ?? 0;
      const serial = ++this.serial;
      this.hello = false;
      // P10: content messages are counted from 1 on every connection, streams included.
      this.sent = 0;
      const handlers: StreamHandlers = {
        frame: (frame) => {
          if (serial === this.serial) this.onFrame(frame);
        },
        close: (code, reason) => {
          if (serial === this.serial) this.onStreamClosed(code, reason);
        },
      };
      if (decision.kind === 'unavailable') {
        this.scheduleRetry();
        return;
      }
      if (decision.kind === 'serve') {
        this.stream = localStream(this.docId, epoch, handlers);
      } else {
        const record = view?.members.get(decision.owner);
        if (!record) {
          this.scheduleRetry();
          return;
        }
        this.stream = options.pool.openStream(record.internalUrl, this.docId, epoch, handlers);
      }
      this.stream.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    }

    private scheduleRetry(): void {
      if (this.dead || this.cancelRetry) return;
      const wait = this.backoffMs;
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
      this.cancelRetry = options.clock.after(wait, () => {
        this.cancelRetry = null;
        this.connect();
      });
    }

    private onStreamClosed(code: number, reason: string): void {
      this.stream = null;
      this.hello = false;
      this.leaveSeat();
      if (STOP_CODES.has(code)) {
        options.log.warn('forward: the owner refused the upstream; closing its clients', {
          docId: this.docId,
          code,
          reason,
        });
        this.fail(code === CloseCode.DOCUMENT_TOO_LARGE ? code : CloseCode.RETRY, reason);
        return;
      }
      if (code === CloseCode.REDIRECT) this.backoffMs = MIN_BACKOFF_MS;
      this.scheduleRetry();
    }

    private onFrame(bytes: Uint8Array): void {
      let frame: ReturnType<typeof decodeServerFrame>;
      try {
        frame = decodeServerFrame(bytes);
      } catch (error) {
        const reason = error instanceof ProtocolError ? error.reason : 'malformed frame';
        options.log.warn('forward: malformed frame from the owner', { docId: this.docId, reason });
        this.stream?.close(CloseCode.BAD_REQUEST, reason);
        this.onStreamClosed(CloseCode.RETRY, reason);
        return;
      }
      const room = this.room;
      switch (frame.type) {
        case 'hello':
          this.onHello(frame.generation);
          return;
        case 'sync-step1': {
          const n = ++this.sent;
          for (const p of this.pending) {
            if (p.serial !== this.serial || p.n === Number.POSITIVE_INFINITY) {
              p.serial = this.serial;
              p.n = n;
            }
          }
          this.stream?.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, frame.stateVector)));
          return;
        }
        case 'sync-step2':
        case 'sync-update':
          applyAndRelease(this.doc, frame.update, UPSTREAM);
          if (frame.type === 'sync-step2') this.onSynced();
          return;
        case 'ack':
          this.acknowledge(frame.count);
          return;
        case 'awareness':
          if (room && this.seat) room.applyAwareness(frame.update, this.seat);
          return;
        case 'query-awareness':
          this.sendLocalAwareness();
          return;
        default:
          // REDIRECT, NOTICE, UPGRADE_REQUIRED: the close that follows says what to do.
          return;
      }
    }

    private onHello(generation: string): void {
      if (this.room && this.room.generation !== generation) {
        // M7: the document was re-created; this mirror holds another history.
        this.stream?.close(CloseCode.NORMAL, 'generation changed');
        this.fail(CloseCode.RETRY, 'document was re-created; reconnect');
        return;
      }
      if (!this.room) this.room = this.createRoom(generation);
      this.hello = true;
      this.leaveSeat();
      const seat = new VirtualConnection(options.nextConnectionId(), {
        send: () => {},
        close: () => {},
      });
      this.seat = seat;
      this.room.join(seat);
      this.sendLocalAwareness();
    }

    private onSynced(): void {
      this.backoffMs = MIN_BACKOFF_MS;
      if (this.ready || !this.room) return;
      this.ready = true;
      const room = this.room;
      for (const session of this.waiting.splice(0)) session.attach(room);
    }

    private createRoom(generation: string): Room {
      const room = new Room(this.docId, generation, this.doc, {
        store: { append: () => Promise.resolve() },
        topic: `forward/${this.docId}`,
        broadcaster: options.broadcaster,
        log: options.log,
        metrics: options.metrics,
        clock: options.clock,
        maxAwarenessBytes: options.maxAwarenessBytes,
        // F3: clients' updates go upstream as received (even those the mirror cannot integrate
        // yet); nothing integrated here is sent on.
        replicate: () => null,
        relay: (update) => this.sendContent(update),
        onFault: () => this.fail(CloseCode.RETRY, 'forwarded document failed; reconnect'),
      });
      room.awareness.on('update', this.onAwareness);
      return room;
    }

    private readonly onAwareness = (
      change: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ): void => {
      if (origin === this.seat || !this.room) return;
      const ids = [...change.added, ...change.updated, ...change.removed];
      for (const id of change.added) this.localIds.add(id);
      for (const id of change.updated) this.localIds.add(id);
      if (this.stream && this.hello) {
        const update = awarenessProtocol.encodeAwarenessUpdate(this.room.awareness, ids);
        this.stream.send(encodeAwareness(update));
      }
      for (const id of change.removed) this.localIds.delete(id);
    };

    private sendLocalAwareness(): void {
      const room = this.room;
      if (!room || !this.stream || !this.hello) return;
      const states = room.awareness.getStates();
      const ids = [...this.localIds].filter((id) => states.has(id));
      if (ids.length === 0) return;
      this.stream.send(
        encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(room.awareness, ids)),
      );
    }

    private sendContent(update: Uint8Array): Promise<void> {
      return new Promise<void>((resolve) => {
        if (this.stream && this.hello) {
          const n = ++this.sent;
          this.pending.push({ serial: this.serial, n, resolve });
          this.stream.send(encodeSyncUpdate(update));
        } else {
          // Travels in the SyncStep2 answering the next owner's SyncStep1.
          this.pending.push({ serial: this.serial, n: Number.POSITIVE_INFINITY, resolve });
        }
      });
    }

    private acknowledge(count: number): void {
      const done = this.pending.filter((p) => p.serial === this.serial && p.n <= count);
      if (done.length === 0) return;
      this.pending = this.pending.filter((p) => !(p.serial === this.serial && p.n <= count));
      for (const p of done) p.resolve();
      if (this.clients.size === 0 && this.pending.length === 0) this.close();
    }

    private leaveSeat(): void {
      if (this.seat) this.room?.leave(this.seat);
      this.seat = null;
    }

    private release(session: Session): void {
      this.clients.delete(session);
      this.waiting = this.waiting.filter((s) => s !== session);
      if (this.clients.size > 0 || this.dead) return;
      if (this.pending.length === 0) {
        this.close();
        return;
      }
      this.cancelLinger = options.clock.after(options.lingerMs ?? 30_000, () => this.close());
    }

    /** Closes every client with `code` and the mirror with them. */
    fail(code: number, reason: string): void {
      for (const session of [...this.clients]) session.reject(code, reason, { retryAfterMs: 500 });
      this.close();
    }

    close(): void {
      if (this.dead) return;
      this.dead = true;
      mirrors.delete(this.docId);
      this.cancelRetry?.();
      this.cancelLinger?.();
      this.stream?.close(CloseCode.NORMAL, 'no forwarded clients left');
      this.stream = null;
      this.leaveSeat();
      this.pending = [];
      if (this.room) {
        this.room.awareness.off('update', this.onAwareness);
        this.room.destroy();
      } else {
        this.doc.destroy();
      }
    }
  }

  /** A stream to this node itself; frames cross in microtasks, in order, like a socket's. */
  const localStream = (docId: string, epoch: number, handlers: StreamHandlers): PeerStream => {
    let open = true;
    const later = (fn: () => void) => {
      void Promise.resolve().then(fn);
    };
    const server = options.openLocal(docId, epoch, {
      send: (frame) => later(() => open && handlers.frame(frame)),
      close: (code, reason) =>
        later(() => {
          if (!open) return;
          open = false;
          handlers.close(code, reason);
        }),
    });
    return {
      send: (frame) => later(() => open && server.frame(frame)),
      close: (code, reason) => {
        if (!open) return;
        open = false;
        later(() => server.close(code, reason));
      },
    };
  };

  return {
    attach(session) {
      if (stopped) {
        session.reject(CloseCode.RETRY, 'node shutting down', { retryAfterMs: 1000 });
        return;
      }
      const docId = session.info.docId;
      let mirror = mirrors.get(docId);
      if (!mirror) {
        mirror = new Mirror(docId);
        mirrors.set(docId, mirror);
      }
      options.metrics.forwardedClients.inc();
      mirror.add(session);
    },
    viewChanged() {
      for (const mirror of mirrors.values()) mirror.retryNow();
    },
    get size() {
      return mirrors.size;
    },
    stop() {
      stopped = true;
      for (const mirror of [...mirrors.values()]) mirror.close();
    },
  };
}
