import type { Connection } from '../documents/connection.ts';
import { VirtualConnection } from '../documents/virtual-connection.ts';
import {
  CloseCode,
  closeCodeInfo,
  closeReason,
  decodeHocuspocusFrame,
  decodeServerFrame,
  encodeHocuspocusAuthenticated,
  encodeHocuspocusClose,
  encodeHocuspocusFrame,
  encodeHocuspocusPermissionDenied,
  encodeHocuspocusSyncStatus,
  encodeTicket,
  MessageType,
  ProtocolError,
} from '../protocol/index.ts';
import type { SocketHandler } from '../transport/transport.ts';

export interface HocuspocusSocketOptions {
  /** The WebSocket the provider opened on `/hocuspocus`. */
  readonly conn: Connection;
  readonly nextConnectionId: () => number;
  /**
   * Admits one document of the socket as a session over `doc` (a virtual connection whose
   * frames are ringdoc's server frames) with the provider's token (P21 ticket); returns its
   * handler.
   */
  readonly open: (doc: Connection, documentName: string, token: string) => SocketHandler;
}

interface Entry {
  readonly doc: VirtualConnection;
  handler: SocketHandler;
  acked: number;
  notice: string | null;
}

/** More SyncStatus messages than this for one ACK are not sent (the provider clamps at 0). */
const MAX_STATUS_PER_ACK = 1000;

/**
 * One Hocuspocus provider socket (PROTOCOL.md H1–H6): several documents, each a session of
 * its own behind a virtual connection. Inbound messages lose their document name and reach
 * that document's session as ringdoc frames; the session's frames gain it on the way out, and
 * its ringdoc-only messages are translated (HELLO → Authenticated, ACK → SyncStatus, a close →
 * PermissionDenied, CLOSE, or the whole socket's close for codes the client should retry).
 */
export function createHocuspocusSocket(options: HocuspocusSocketOptions): SocketHandler {
  const { conn } = options;
  const docs = new Map<string, Entry>();
  /** Documents closed for good: their frames are dropped until the provider authenticates again. */
  const refused = new Set<string>();

  const toProvider = (name: string, entry: () => Entry | undefined, frame: Uint8Array) => {
    const type = frame[0];
    if (
      type === MessageType.SYNC ||
      type === MessageType.AWARENESS ||
      type === MessageType.QUERY_AWARENESS
    ) {
      conn.send(encodeHocuspocusFrame(name, frame));
      return;
    }
    const message = decodeServerFrame(frame);
    const current = entry();
    if (!current) return;
    switch (message.type) {
      case 'hello':
        conn.send(
          encodeHocuspocusAuthenticated(name, message.perm === 'view' ? 'readonly' : 'read-write'),
        );
        return;
      case 'ack': {
        const count = Math.min(message.count - current.acked, MAX_STATUS_PER_ACK);
        current.acked = message.count;
        for (let i = 0; i < count; i++) conn.send(encodeHocuspocusSyncStatus(name, true));
        return;
      }
      case 'notice':
        current.notice = message.reason;
        return;
      default:
        // REDIRECT never reaches a forwarded session; UPGRADE_REQUIRED is followed by a close.
        return;
    }
  };

  const closed = (name: string, entry: Entry, code: number, reason: string) => {
    if (docs.get(name) !== entry) return;
    docs.delete(name);
    entry.handler.close(code);
    const detail = entry.notice ?? reason;
    if (code === CloseCode.UNAUTHORIZED || code === CloseCode.FORBIDDEN) {
      conn.send(encodeHocuspocusPermissionDenied(name, detail));
    } else if (closeCodeInfo(code).action === 'retry') {
      // The provider reconnects its socket (with backoff) and re-opens every document.
      conn.close(code, closeReason(code, detail));
    } else {
      refused.add(name);
      conn.send(encodeHocuspocusClose(name, detail));
    }
    if (code === CloseCode.UNAUTHORIZED || code === CloseCode.FORBIDDEN) refused.add(name);
  };

  const open = (name: string, token: string): Entry => {
    let entry: Entry | undefined;
    const doc = new VirtualConnection(options.nextConnectionId(), {
      send: (frame) => toProvider(name, () => entry, frame),
      close: (code, reason) => {
        if (entry) closed(name, entry, code, reason);
        else conn.send(encodeHocuspocusClose(name, reason));
      },
    });
    const created: Entry = {
      doc,
      handler: { message: () => {}, close: () => {} },
      acked: 0,
      notice: null,
    };
    entry = created;
    docs.set(name, created);
    let refusedWith: number | null = null;
    const placeholder = created.handler;
    placeholder.close = (code) => {
      refusedWith = code;
    };
    created.handler = options.open(doc, name, token);
    // Refused while opening (version gate, node unavailable): the session's handler, returned
    // only now, still hears the close so the session leaves the node's tables.
    if (refusedWith !== null) created.handler.close(refusedWith);
    return created;
  };

  return {
    message(bytes) {
      let message: ReturnType<typeof decodeHocuspocusFrame>;
      try {
        message = decodeHocuspocusFrame(bytes);
      } catch (error) {
        const reason = error instanceof ProtocolError ? error.reason : 'malformed frame';
        conn.close(CloseCode.BAD_REQUEST, closeReason(CloseCode.BAD_REQUEST, reason));
        return;
      }
      switch (message.kind) {
        case 'pong':
        case 'ignored':
          return;
        case 'auth': {
          const entry = docs.get(message.documentName);
          if (!entry) {
            refused.delete(message.documentName);
            open(message.documentName, message.token);
            return;
          }
          // A renewal on an open document (P21): a token that is not a ticket is ignored.
          try {
            entry.handler.message(encodeTicket(message.token));
          } catch {
            // not a ticket
          }
          return;
        }
        case 'close': {
          const entry = docs.get(message.documentName);
          if (!entry) return;
          docs.delete(message.documentName);
          entry.doc.closed = true;
          entry.handler.close(CloseCode.NORMAL);
          return;
        }
        case 'frame': {
          if (refused.has(message.documentName)) return;
          const entry = docs.get(message.documentName) ?? open(message.documentName, '');
          entry.handler.message(message.frame);
          return;
        }
      }
    },
    close(code) {
      for (const [name, entry] of [...docs]) {
        docs.delete(name);
        entry.doc.closed = true;
        entry.handler.close(code);
      }
    },
  };
}
