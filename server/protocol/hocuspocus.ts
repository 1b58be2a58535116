import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ProtocolError } from './errors.ts';

/**
 * The Hocuspocus provider's wire format (`@hocuspocus/provider` 3.x and 4.x), mapped onto
 * ringdoc's (PROTOCOL.md H1–H6). Every message is `varString documentName • varUint type •
 * payload`; types 0, 1 and 3 carry y-websocket payloads unchanged, so a Hocuspocus message
 * minus its name is a ringdoc frame (P1). Pure encode/decode.
 */
export const HOCUSPOCUS_PATH = '/hocuspocus';

export const HocuspocusType = {
  SYNC: 0,
  AWARENESS: 1,
  AUTH: 2,
  QUERY_AWARENESS: 3,
  SYNC_REPLY: 4,
  STATELESS: 5,
  BROADCAST_STATELESS: 6,
  CLOSE: 7,
  SYNC_STATUS: 8,
  PING: 9,
  PONG: 10,
} as const;

const AUTH_TOKEN = 0;
const AUTH_PERMISSION_DENIED = 1;
const AUTH_AUTHENTICATED = 2;

/** One message from a Hocuspocus provider. */
export type HocuspocusInbound =
  /** Connection-level keep-alive (no document name). */
  | { readonly kind: 'pong' }
  | { readonly kind: 'auth'; readonly documentName: string; readonly token: string }
  /** The provider detached from the document. */
  | { readonly kind: 'close'; readonly documentName: string }
  /** A ringdoc client frame (sync, awareness, query-awareness: P2) for the document. */
  | { readonly kind: 'frame'; readonly documentName: string; readonly frame: Uint8Array }
  /** Stateless messages: not supported, dropped. */
  | { readonly kind: 'ignored'; readonly documentName: string; readonly type: number };

/** True for the path (and its sub-paths) of Hocuspocus sockets. */
export function isHocuspocusPath(pathAndQuery: string): boolean {
  const path = pathAndQuery.split('?', 1)[0] ?? '';
  return path === HOCUSPOCUS_PATH || path.startsWith(`${HOCUSPOCUS_PATH}/`);
}

/** Decodes one message from a provider. Throws `ProtocolError` (4400) when malformed. */
export function decodeHocuspocusFrame(bytes: Uint8Array): HocuspocusInbound {
  if (bytes.length === 1 && bytes[0] === HocuspocusType.PONG) return { kind: 'pong' };
  try {
    const d = decoding.createDecoder(bytes);
    const documentName = decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    switch (type) {
      case HocuspocusType.AUTH: {
        const authType = decoding.readVarUint(d);
        if (authType !== AUTH_TOKEN) throw new Error(`unexpected auth message type ${authType}`);
        // 4.x appends its version; 3.x does not.
        return { kind: 'auth', documentName, token: decoding.readVarString(d) };
      }
      case HocuspocusType.CLOSE:
        return { kind: 'close', documentName };
      case HocuspocusType.SYNC:
      case HocuspocusType.SYNC_REPLY:
      case HocuspocusType.AWARENESS:
      case HocuspocusType.QUERY_AWARENESS: {
        const e = encoding.createEncoder();
        encoding.writeVarUint(e, type === HocuspocusType.SYNC_REPLY ? HocuspocusType.SYNC : type);
        encoding.writeUint8Array(e, bytes.subarray(d.pos));
        return { kind: 'frame', documentName, frame: encoding.toUint8Array(e) };
      }
      default:
        return { kind: 'ignored', documentName, type };
    }
  } catch (error) {
    throw new ProtocolError(`malformed frame: hocuspocus message (${(error as Error).message})`);
  }
}

/** A ringdoc frame (types 0, 1, 3) for the provider of `documentName`. */
export function encodeHocuspocusFrame(documentName: string, frame: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, documentName);
  encoding.writeUint8Array(e, frame);
  return encoding.toUint8Array(e);
}

/** `Auth • Authenticated(scope)`: the document is open for the provider. */
export function encodeHocuspocusAuthenticated(
  documentName: string,
  scope: 'read-write' | 'readonly',
): Uint8Array {
  return named(documentName, HocuspocusType.AUTH, (e) => {
    encoding.writeVarUint(e, AUTH_AUTHENTICATED);
    encoding.writeVarString(e, scope);
  });
}

/** `Auth • PermissionDenied(reason)`: the provider emits `authenticationFailed`. */
export function encodeHocuspocusPermissionDenied(documentName: string, reason: string): Uint8Array {
  return named(documentName, HocuspocusType.AUTH, (e) => {
    encoding.writeVarUint(e, AUTH_PERMISSION_DENIED);
    encoding.writeVarString(e, reason);
  });
}

/** `SyncStatus(saved)`: one of the provider's changes is saved (its `unsyncedChanges` − 1). */
export function encodeHocuspocusSyncStatus(documentName: string, saved: boolean): Uint8Array {
  return named(documentName, HocuspocusType.SYNC_STATUS, (e) => {
    encoding.writeVarInt(e, saved ? 1 : 0);
  });
}

/** `CLOSE(reason)`: the server closed this document (the socket stays). */
export function encodeHocuspocusClose(documentName: string, reason: string): Uint8Array {
  return named(documentName, HocuspocusType.CLOSE, (e) => {
    encoding.writeVarString(e, reason);
  });
}

function named(
  documentName: string,
  type: number,
  write: (e: encoding.Encoder) => void,
): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, documentName);
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
}
