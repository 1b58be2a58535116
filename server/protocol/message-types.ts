/**
 * Message type numbers (the leading varUint of every frame, PROTOCOL.md P2). 0–3 are
 * y-websocket's; 16–20 are ringdoc's own, server → client only; 21 (TICKET) is ringdoc's
 * own, client → server only (P21); 22 (REQUEST) and 23 (REPLY) carry room operations (P23).
 */
export const MessageType = {
  SYNC: 0,
  AWARENESS: 1,
  /** y-websocket's auth message: not used by ringdoc, rejected in both directions. */
  AUTH: 2,
  QUERY_AWARENESS: 3,
  HELLO: 16,
  ACK: 17,
  REDIRECT: 18,
  UPGRADE_REQUIRED: 19,
  NOTICE: 20,
  /** Client → node: an access ticket, first on the socket and again to renew it (P21). */
  TICKET: 21,
  /** Client → node: an operation on the socket's room, e.g. cut or restore a version (P23). */
  REQUEST: 22,
  /** Node → client: the answer to a REQUEST (P23). */
  REPLY: 23,
} as const;

/** Longest ticket a TICKET frame may carry, in characters (P21). */
export const MAX_TICKET_LENGTH = 4096;

/** Sub-types of a sync message (y-protocols/sync). */
export const SyncType = {
  STEP1: 0,
  STEP2: 1,
  UPDATE: 2,
} as const;

/** The protocol version this code implements; clients send it as `proto` (P19). */
export const PROTOCOL_VERSION = 1;

/** Protocol versions a node built from this code speaks (inclusive). */
export const SUPPORTED_PROTOCOLS: { readonly min: number; readonly max: number } = Object.freeze({
  min: 1,
  max: 1,
});
