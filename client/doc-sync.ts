import * as Y from 'yjs';
import { encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from '../server/protocol/index.ts';
import { type AckTracker, createAckTracker } from './ack-tracker.ts';
import type { Connection, Session, SessionFrame } from './connection.ts';
import { createEmitter } from './emitter.ts';

/** An encoded update of an empty document is `[0, 0]`. */
const EMPTY_UPDATE_BYTES = 2;

/** What a {@link DocSync} reports. */
export type DocSyncEvents = {
  /** Content message `seq` (1-based, per socket: P10) was sent on `session`. */
  content: [seq: number, session: Session];
  /** The node acknowledged content messages 1…`count` of `session` as durable (C4). */
  ack: [count: number, session: Session];
  /** The node holds content of this document's generation (a non-empty SyncStep2, or an ACK). */
  'server-content': [];
};

/** What a {@link DocSync} keeps in sync, and how it marks remote changes. */
export interface DocSyncOptions {
  /** The document to keep in sync (replaceable with {@link DocSync.setDoc}). */
  readonly doc: Y.Doc;
  /** Transaction origin of changes applied from the node (default: the DocSync itself). */
  readonly origin?: unknown;
  /** True while this client may only view (P21): it then sends no content at all. */
  readonly readOnly?: () => boolean;
}

/**
 * Yjs sync over a {@link Connection} (PROTOCOL.md P3, P9, P10): SyncStep1 when a socket
 * opens, a SyncStep2 answering the node's SyncStep1 once HELLO was accepted, then one Update
 * per local change; the session is synced at the first SyncStep2. Counts content messages
 * per socket against the node's cumulative ACKs (`pending`, `acked`, `unsynced` in the
 * connection state) and reports each one's sequence number, so a caller can tell which of its
 * changes are durable: ACK n covers every change made before content message n was sent (the
 * first is the SyncStep2, which carries everything the node lacks). A change made before the
 * SyncStep2 travels in it. An update that cannot be applied, or an implausible ACK, is a fault;
 * the former replaces the socket.
 */
export interface DocSync {
  readonly doc: Y.Doc;
  /** Switches to another document (a reload after M7): takes effect on the next socket. */
  setDoc(doc: Y.Doc): void;
  /** Content messages sent on the current socket and acknowledged (0 between sockets). */
  readonly sentCount: number;
  readonly ackedCount: number;
  on<K extends keyof DocSyncEvents>(type: K, cb: (...args: DocSyncEvents[K]) => void): void;
  off<K extends keyof DocSyncEvents>(type: K, cb: (...args: DocSyncEvents[K]) => void): void;
  /** Stops listening to the document and the connection. */
  detach(): void;
}

interface Current {
  readonly session: Session;
  readonly tracker: AckTracker;
  step2Sent: boolean;
}

/** Plugs Yjs sync into `connection`; see {@link DocSync}. */
export function createDocSync(connection: Connection, options: DocSyncOptions): DocSync {
  const emitter = createEmitter<DocSyncEvents>();
  const readOnly = options.readOnly ?? (() => false);
  let doc = options.doc;
  let current: Current | null = null;
  const self: DocSync = {
    get doc() {
      return doc;
    },
    setDoc(next) {
      doc.off('update', onDocUpdate);
      doc = next;
      doc.on('update', onDocUpdate);
    },
    get sentCount() {
      return current?.tracker.sentCount ?? 0;
    },
    get ackedCount() {
      return current?.tracker.ackedCount ?? 0;
    },
    on: (type, cb) => emitter.on(type, cb),
    off: (type, cb) => emitter.off(type, cb),
    detach() {
      doc.off('update', onDocUpdate);
      unplug();
    },
  };
  const origin = options.origin ?? self;

  const publishProgress = (c: Current) => {
    const pending = c.tracker.pending;
    const acked = c.tracker.ackedCount > 0;
    if (!c.session.synced) {
      connection.patch({ pending, acked });
      return;
    }
    connection.patch({
      pending,
      acked,
      phase: 'synced',
      ...(pending === 0 ? { unsynced: false } : {}),
    });
  };

  const sendContent = (c: Current, frame: Uint8Array) => {
    if (!c.session.send(frame)) return;
    const seq = c.tracker.sent();
    emitter.emit('content', seq, c.session);
    publishProgress(c);
  };

  const apply = (c: Current, update: Uint8Array): boolean => {
    try {
      Y.applyUpdate(doc, update, origin);
      return true;
    } catch (error) {
      connection.fault(`cannot apply an update from the node: ${(error as Error).message}`);
      connection.replace(c.session, 'unappliable update');
      return false;
    }
  };

  const onFrame = (c: Current, frame: SessionFrame) => {
    switch (frame.type) {
      case 'sync-step1':
        // A view-only client sends no content (P21): the node would ignore it anyway.
        if (!c.session.hello || readOnly()) return;
        sendContent(c, encodeSyncStep2(Y.encodeStateAsUpdate(doc, frame.stateVector)));
        c.step2Sent = true;
        return;
      case 'sync-step2':
        if (!c.session.hello || !apply(c, frame.update)) return;
        if (frame.update.length > EMPTY_UPDATE_BYTES) emitter.emit('server-content');
        connection.markSynced(c.session);
        return;
      case 'sync-update':
        if (c.session.hello) apply(c, frame.update);
        return;
      case 'ack':
        if (!c.tracker.acked(frame.count)) {
          connection.fault(`ignoring implausible ACK ${frame.count}`);
          return;
        }
        if (frame.count > 0) emitter.emit('server-content');
        emitter.emit('ack', frame.count, c.session);
        publishProgress(c);
        return;
      default:
        return;
    }
  };

  const unplug = connection.use({
    started(session) {
      current = { session, tracker: createAckTracker(), step2Sent: false };
    },
    opened(session) {
      session.send(encodeSyncStep1(Y.encodeStateVector(doc)));
    },
    frame(session, frame) {
      if (current?.session === session) onFrame(current, frame);
    },
    synced(session) {
      if (current?.session === session) publishProgress(current);
    },
    ended(session) {
      if (current?.session === session) current = null;
    },
  });

  function onDocUpdate(update: Uint8Array, from: unknown): void {
    if (from === origin || readOnly()) return;
    if (!connection.state.unsynced) connection.patch({ unsynced: true });
    // Before our SyncStep2 the change is not sent: it travels inside it.
    if (current?.step2Sent) sendContent(current, encodeSyncUpdate(update));
  }
  doc.on('update', onDocUpdate);
  return self;
}
