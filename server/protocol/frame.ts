import { assertVarUint, ByteReader, frameOfVarUints, frameWithBytes } from './bytes.ts';
import {
  type Hello,
  helloJson,
  type Notice,
  noticeJson,
  parseHello,
  parseNotice,
  parseRedirect,
  parseUpgradeRequired,
  type Redirect,
  redirectJson,
  type UpgradeRequired,
  upgradeRequiredJson,
} from './control-messages.ts';
import { malformed } from './errors.ts';
import { MAX_TICKET_LENGTH, MessageType, SyncType } from './message-types.ts';
import {
  parseReply,
  parseRequest,
  type Reply,
  type Request,
  replyJson,
  requestJson,
} from './request-messages.ts';

/** y-protocols sync messages; payloads are subarrays of the decoded frame (P3). */
export type SyncFrame =
  | { readonly type: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly type: 'sync-step2'; readonly update: Uint8Array }
  | { readonly type: 'sync-update'; readonly update: Uint8Array };

export type AwarenessFrame = { readonly type: 'awareness'; readonly update: Uint8Array };
export type QueryAwarenessFrame = { readonly type: 'query-awareness' };

/** An access ticket (P21): a compact JWS, 1–4096 of `[A-Za-z0-9_.-]`. Client → node only. */
export type TicketFrame = { readonly type: 'ticket'; readonly ticket: string };

/** A room operation (P23). Client → node only. */
export type RequestFrame = { readonly type: 'request' } & Request;

/** Messages both sides send (P2). */
export type CommonFrame = SyncFrame | AwarenessFrame | QueryAwarenessFrame;

/** What a node accepts from a client (P2). */
export type ClientFrame = CommonFrame | TicketFrame | RequestFrame;

/** What a client accepts from a node (P2). */
export type ServerFrame =
  | CommonFrame
  | ({ readonly type: 'hello' } & Hello)
  | { readonly type: 'ack'; readonly count: number }
  | ({ readonly type: 'redirect' } & Redirect)
  | ({ readonly type: 'upgrade-required' } & UpgradeRequired)
  | ({ readonly type: 'notice' } & Notice)
  | ({ readonly type: 'reply' } & Reply);

const SERVER_ONLY_NAMES: Readonly<Record<number, string>> = {
  [MessageType.HELLO]: 'hello',
  [MessageType.ACK]: 'ack',
  [MessageType.REDIRECT]: 'redirect',
  [MessageType.UPGRADE_REQUIRED]: 'upgrade-required',
  [MessageType.NOTICE]: 'notice',
  [MessageType.REPLY]: 'reply',
};

/**
 * Decodes one frame a client sent (P1–P4). Strict: the whole frame must be one well-formed
 * message of type 0, 1, 3 or 21. Payloads are zero-copy subarrays of `bytes` (copy them if
 * `bytes` is reused). Yjs content is not validated here. Throws `ProtocolError` (4400).
 */
export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  const reader = openFrame(bytes);
  const type = reader.varUint('message type');
  const common = decodeCommon(type, reader);
  if (common) return common;
  if (type === MessageType.TICKET) return decodeTicket(reader);
  if (type === MessageType.REQUEST) {
    return { type: 'request', ...parseRequest(jsonPayload(reader, 'request')) };
  }
  const name = SERVER_ONLY_NAMES[type];
  if (name) throw malformed(`message type ${type} (${name}) is sent by servers only`);
  throw unknownType(type);
}

/**
 * Decodes one frame a node sent (P1–P5): types 0, 1, 3 and ringdoc's 16–20. Same
 * strictness as `decodeClientFrame`; JSON payloads must have the documented shape (unknown
 * fields are ignored). Throws `ProtocolError` (4400).
 */
export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  const reader = openFrame(bytes);
  const type = reader.varUint('message type');
  const common = decodeCommon(type, reader);
  if (common) return common;
  switch (type) {
    case MessageType.HELLO:
      return { type: 'hello', ...parseHello(jsonPayload(reader, 'hello')) };
    case MessageType.ACK: {
      const count = reader.varUint('ack count');
      reader.end('ack');
      return { type: 'ack', count };
    }
    case MessageType.REDIRECT:
      return { type: 'redirect', ...parseRedirect(jsonPayload(reader, 'redirect')) };
    case MessageType.UPGRADE_REQUIRED:
      return {
        type: 'upgrade-required',
        ...parseUpgradeRequired(jsonPayload(reader, 'upgrade-required')),
      };
    case MessageType.NOTICE:
      return { type: 'notice', ...parseNotice(jsonPayload(reader, 'notice')) };
    case MessageType.REPLY:
      return { type: 'reply', ...parseReply(jsonPayload(reader, 'reply')) };
    case MessageType.TICKET:
      throw malformed('message type 21 (ticket) is sent by clients only');
    case MessageType.REQUEST:
      throw malformed('message type 22 (request) is sent by clients only');
    default:
      throw unknownType(type);
  }
}

function openFrame(bytes: Uint8Array): ByteReader {
  if (bytes.length === 0) throw malformed('empty frame');
  return new ByteReader(bytes);
}

function unknownType(type: number) {
  if (type === MessageType.AUTH) {
    return malformed('message type 2 (y-websocket auth) is not used by ringdoc');
  }
  return malformed(`unknown message type ${type}`);
}

const TICKET_CHARS = /^[A-Za-z0-9_.-]+$/;

function decodeTicket(reader: ByteReader): TicketFrame {
  const ticket = reader.varString('ticket');
  reader.end('ticket');
  if (ticket.length === 0 || ticket.length > MAX_TICKET_LENGTH) {
    throw malformed(`ticket must be 1-${MAX_TICKET_LENGTH} characters`);
  }
  if (!TICKET_CHARS.test(ticket))
    throw malformed('ticket must be a compact JWS (A-Z a-z 0-9 _ . -)');
  return { type: 'ticket', ticket };
}

function decodeCommon(type: number, reader: ByteReader): CommonFrame | null {
  switch (type) {
    case MessageType.SYNC:
      return decodeSync(reader);
    case MessageType.AWARENESS: {
      const update = reader.varBytes('awareness update');
      reader.end('awareness update');
      return { type: 'awareness', update };
    }
    case MessageType.QUERY_AWARENESS:
      reader.end('query-awareness');
      return { type: 'query-awareness' };
    default:
      return null;
  }
}

function decodeSync(reader: ByteReader): SyncFrame {
  const syncType = reader.varUint('sync type');
  switch (syncType) {
    case SyncType.STEP1: {
      const stateVector = reader.varBytes('sync step1 state vector');
      reader.end('sync step1');
      return { type: 'sync-step1', stateVector };
    }
    case SyncType.STEP2: {
      const update = reader.varBytes('sync step2 update');
      reader.end('sync step2');
      return { type: 'sync-step2', update };
    }
    case SyncType.UPDATE: {
      const update = reader.varBytes('sync update');
      reader.end('sync update');
      return { type: 'sync-update', update };
    }
    default:
      throw malformed(`unknown sync type ${syncType}`);
  }
}

function jsonPayload(reader: ByteReader, what: string): string {
  const json = reader.varString(`${what} payload`);
  reader.end(what);
  return json;
}

/** `0 • 0 • varUint8Array(stateVector)`: y-protocols SyncStep1. */
export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return frameWithBytes([MessageType.SYNC, SyncType.STEP1], stateVector);
}

/** `0 • 1 • varUint8Array(update)`: y-protocols SyncStep2. */
export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return frameWithBytes([MessageType.SYNC, SyncType.STEP2], update);
}

/** `0 • 2 • varUint8Array(update)`: y-protocols Update. */
export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  return frameWithBytes([MessageType.SYNC, SyncType.UPDATE], update);
}

/** `1 • varUint8Array(awarenessUpdate)`. */
export function encodeAwareness(update: Uint8Array): Uint8Array {
  return frameWithBytes([MessageType.AWARENESS], update);
}

/** `3`: ask the peer for its awareness states. */
export function encodeQueryAwareness(): Uint8Array {
  return frameOfVarUints([MessageType.QUERY_AWARENESS]);
}

/**
 * `21 • varString(ticket)` (P21). Throws `RangeError` for a ticket a node would reject
 * (empty, longer than 4096 characters, or not of the compact-JWS alphabet).
 */
export function encodeTicket(ticket: string): Uint8Array {
  if (ticket.length === 0 || ticket.length > MAX_TICKET_LENGTH || !TICKET_CHARS.test(ticket)) {
    throw new RangeError('refusing to encode an invalid ticket');
  }
  return frameWithBytes([MessageType.TICKET], new TextEncoder().encode(ticket));
}

/** `16 • varString(JSON)`. Throws `RangeError` on a value a client would reject. */
export function encodeHello(hello: Hello): Uint8Array {
  return jsonFrame(MessageType.HELLO, helloJson(hello));
}

/** `17 • varUint(count)`: `count` content messages of this connection are durable (P10). */
export function encodeAck(count: number): Uint8Array {
  assertVarUint(count, 'ack count');
  return frameOfVarUints([MessageType.ACK, count]);
}

/** `18 • varString(JSON)`. Throws `RangeError` on a value a client would reject. */
export function encodeRedirect(redirect: Redirect): Uint8Array {
  return jsonFrame(MessageType.REDIRECT, redirectJson(redirect));
}

/** `19 • varString(JSON)`. Throws `RangeError` on a value a client would reject. */
export function encodeUpgradeRequired(upgrade: UpgradeRequired): Uint8Array {
  return jsonFrame(MessageType.UPGRADE_REQUIRED, upgradeRequiredJson(upgrade));
}

/** `20 • varString(JSON)`. Throws `RangeError` on a value a client would reject. */
export function encodeNotice(notice: Notice): Uint8Array {
  return jsonFrame(MessageType.NOTICE, noticeJson(notice));
}

/** `22 • varString(JSON)` (P23). Throws `RangeError` on a value a node would reject. */
export function encodeRequest(request: Request): Uint8Array {
  return jsonFrame(MessageType.REQUEST, requestJson(request));
}

/** `23 • varString(JSON)` (P23). Throws `RangeError` on a value a client would reject. */
export function encodeReply(reply: Reply): Uint8Array {
  return jsonFrame(MessageType.REPLY, replyJson(reply));
}

function jsonFrame(type: number, json: string): Uint8Array {
  return frameWithBytes([type], new TextEncoder().encode(json));
}

/** Inverse of `decodeClientFrame`: `decodeClientFrame(encodeClientFrame(f))` deep-equals `f`. */
export function encodeClientFrame(frame: ClientFrame): Uint8Array {
  switch (frame.type) {
    case 'sync-step1':
      return encodeSyncStep1(frame.stateVector);
    case 'sync-step2':
      return encodeSyncStep2(frame.update);
    case 'sync-update':
      return encodeSyncUpdate(frame.update);
    case 'awareness':
      return encodeAwareness(frame.update);
    case 'query-awareness':
      return encodeQueryAwareness();
    case 'ticket':
      return encodeTicket(frame.ticket);
    case 'request':
      return encodeRequest(frame);
  }
}

/** Inverse of `decodeServerFrame`. Throws `RangeError` on a value a client would reject. */
export function encodeServerFrame(frame: ServerFrame): Uint8Array {
  switch (frame.type) {
    case 'hello':
      return encodeHello(frame);
    case 'ack':
      return encodeAck(frame.count);
    case 'redirect':
      return encodeRedirect(frame);
    case 'upgrade-required':
      return encodeUpgradeRequired(frame);
    case 'notice':
      return encodeNotice(frame);
    case 'reply':
      return encodeReply(frame);
    default:
      return encodeClientFrame(frame);
  }
}
