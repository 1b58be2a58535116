import { PROTOCOL_VERSION } from '../../server/protocol/index.ts';
import { type ByteCursor, readVarUint } from './identify.ts';

/**
 * The servers a benchmark can drive. `ours`: 3 nodes, R = 2, durability `replica` (as users run
 * it); `ours-1`: one node. `*-leveldb` / `*-sqlite`: the peers with their own persistence.
 * `relay` is the physical floor (uWS, no Yjs).
 */
export type ServerKind =
  | 'ours'
  | 'ours-1'
  | 'y-websocket'
  | 'y-websocket-leveldb'
  | 'hocuspocus-3'
  | 'hocuspocus-3-sqlite'
  | 'hocuspocus-4'
  | 'hocuspocus-4-sqlite'
  | 'relay';

/**
 * How a client talks to one kind of server. Both wire formats carry y-protocols sync
 * messages; Hocuspocus puts `varString(documentName)` before every message and wants an auth
 * message first (its multiplexing protocol), ringdoc adds ACKs for clients that send `proto`.
 */
export interface Wire {
  /** Upgrade path (and query) for `docId`. */
  path(docId: string): string;
  /** Bytes before every message body (`varString(docId)` for Hocuspocus, else empty). */
  prefix(docId: string): Uint8Array;
  /** Message bodies to send right after the upgrade, before SyncStep1 (Hocuspocus: auth). */
  readonly openBodies: readonly Uint8Array[];
  /** The server sends ringdoc ACKs (durable) for content messages. */
  readonly acks: boolean;
  /** The server may merge several updates into one broadcast (Hocuspocus 4 batches per tick). */
  readonly mergedBroadcasts: boolean;
  /** The server echoes an update back to its sender too. */
  readonly echoes: boolean;
}

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/** `varUint(n)` as bytes. */
export function varUintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push(0x80 | (v & 0x7f));
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** `type • subtype • varUint8Array(bytes)` (a y-protocols sync message body). */
export function syncBody(subtype: number, bytes: Uint8Array): Uint8Array {
  const head = [0, subtype, ...varUintBytes(bytes.length)];
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

/** SyncStep1 with an empty state vector. */
export const EMPTY_STEP1 = syncBody(0, new Uint8Array([0]));
/** SyncStep2 carrying an empty update (what an empty client answers a SyncStep1 with). */
export const EMPTY_STEP2 = syncBody(1, new Uint8Array([0, 0]));

function varString(s: string): Uint8Array {
  const bytes = encoder.encode(s);
  const head = varUintBytes(bytes.length);
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

/** The wire of `kind`; `ringdocClient` (ours only) asks for ACKs with `?proto=`. */
export function wireFor(kind: ServerKind, ringdocClient = true): Wire {
  switch (kind) {
    case 'ours':
    case 'ours-1':
      return {
        path: (docId) => `/doc/${docId}${ringdocClient ? `?proto=${PROTOCOL_VERSION}` : ''}`,
        prefix: () => EMPTY,
        openBodies: [],
        acks: ringdocClient,
        mergedBroadcasts: false,
        echoes: false,
      };
    case 'relay':
    case 'y-websocket':
    case 'y-websocket-leveldb':
      return {
        path: (docId) => `/doc/${docId}`,
        prefix: () => EMPTY,
        openBodies: [],
        acks: false,
        mergedBroadcasts: false,
        echoes: kind !== 'relay',
      };
    case 'hocuspocus-3':
    case 'hocuspocus-3-sqlite':
    case 'hocuspocus-4':
    case 'hocuspocus-4-sqlite':
      return {
        path: () => '/',
        prefix: (docId) => varString(docId),
        // Auth (2) • token subtype (0) • varString token ("").
        openBodies: [new Uint8Array([2, 0, 0])],
        acks: false,
        mergedBroadcasts: kind.startsWith('hocuspocus-4'),
        echoes: true,
      };
  }
}

/** What a server message is, as far as a load generator cares. */
export const Incoming = {
  OTHER: 0,
  STEP1: 1,
  STEP2: 2,
  UPDATE: 3,
  ACK: 4,
  REDIRECT: 5,
} as const;

/**
 * Classifies one server message. For STEP2/UPDATE `cur.pos` is left at the update's
 * varUint8Array, for ACK at the count, for REDIRECT at the JSON varString. `hasPrefix`: skip
 * Hocuspocus's leading `varString(documentName)`.
 */
export function readIncoming(cur: ByteCursor, hasPrefix: boolean): number {
  if (hasPrefix) {
    const nameLength = readVarUint(cur);
    if (nameLength < 0) return Incoming.OTHER;
    cur.pos += nameLength;
  }
  const type = readVarUint(cur);
  if (type === 0 || type === 4) {
    const sub = readVarUint(cur);
    if (sub === 0) return Incoming.STEP1;
    if (sub === 1) return Incoming.STEP2;
    if (sub === 2) return Incoming.UPDATE;
    return Incoming.OTHER;
  }
  if (type === 17) return Incoming.ACK;
  if (type === 18) return Incoming.REDIRECT;
  return Incoming.OTHER;
}

/** Reads a varUint8Array at `cur.pos` as a view; `null` if truncated. */
export function readBytes(cur: ByteCursor): Uint8Array | null {
  const length = readVarUint(cur);
  if (length < 0 || cur.pos + length > cur.bytes.length) return null;
  const view = cur.bytes.subarray(cur.pos, cur.pos + length);
  cur.pos += length;
  return view;
}
