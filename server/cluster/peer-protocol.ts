import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * The node-to-node protocol on `/internal` (PROTOCOL.md "Internal channel"). Every message
 * carries the sender's ring epoch (DESIGN M5). Pure encode/decode; decoding throws
 * `PeerProtocolError` on anything malformed.
 */
export const PeerKind = {
  RESPONSE: 0,
  FETCH: 1,
  PUSH: 2,
  STREAM_OPEN: 3,
  STREAM_FRAME: 4,
  STREAM_CLOSE: 5,
} as const;

/** Why a document is pushed: replication of one update, or a hand-off of its whole state. */
export type PushRole = 'replicate' | 'handoff';

export type PeerRequest =
  | { readonly kind: 'fetch'; readonly id: number; readonly epoch: number; readonly docId: string }
  | {
      readonly kind: 'push';
      readonly id: number;
      readonly epoch: number;
      readonly docId: string;
      readonly generation: string;
      readonly role: PushRole;
      /** The sender's active member ids, comma-joined, for hand-offs ('' otherwise): M5. */
      readonly ring: string;
      readonly update: Uint8Array;
    };

export type PeerResponse =
  | {
      readonly kind: 'response';
      readonly id: number;
      readonly status: 'ok';
      readonly epoch: number;
      /** FETCH: the holder's state, or `null` when it does not hold the document. */
      readonly doc: { readonly generation: string; readonly state: Uint8Array } | null;
    }
  | {
      readonly kind: 'response';
      readonly id: number;
      readonly status: 'error' | 'stale-epoch';
      readonly epoch: number;
      readonly message: string;
    };

/**
 * A forwarding stream (C10, PROTOCOL.md I8): the sender's node relays its clients of one
 * document through it. `id` names the stream on its link (chosen by the opener); frames are
 * client-protocol frames (P1) in both directions; either side may close it.
 */
export type StreamMessage =
  | {
      readonly kind: 'stream-open';
      readonly id: number;
      readonly epoch: number;
      readonly docId: string;
    }
  | { readonly kind: 'stream-frame'; readonly id: number; readonly frame: Uint8Array }
  | {
      readonly kind: 'stream-close';
      readonly id: number;
      readonly code: number;
      readonly reason: string;
    };

export type PeerMessage = PeerRequest | PeerResponse | StreamMessage;

export class PeerProtocolError extends Error {
  override readonly name = 'PeerProtocolError';
}

const STATUS = { ok: 0, error: 1, 'stale-epoch': 2 } as const;
const ROLE = { replicate: 0, handoff: 1 } as const;

export function encodePeerMessage(m: PeerMessage): Uint8Array {
  const e = encoding.createEncoder();
  switch (m.kind) {
    case 'fetch':
      encoding.writeVarUint(e, PeerKind.FETCH);
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint(e, m.epoch);
      encoding.writeVarString(e, m.docId);
      break;
    case 'push':
      encoding.writeVarUint(e, PeerKind.PUSH);
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint(e, m.epoch);
      encoding.writeVarString(e, m.docId);
      encoding.writeVarString(e, m.generation);
      encoding.writeVarUint(e, ROLE[m.role]);
      encoding.writeVarString(e, m.ring);
      encoding.writeVarUint8Array(e, m.update);
      break;
    case 'stream-open':
      encoding.writeVarUint(e, PeerKind.STREAM_OPEN);
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint(e, m.epoch);
      encoding.writeVarString(e, m.docId);
      break;
    case 'stream-frame':
      encoding.writeVarUint(e, PeerKind.STREAM_FRAME);
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint8Array(e, m.frame);
      break;
    case 'stream-close':
      encoding.writeVarUint(e, PeerKind.STREAM_CLOSE);
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint(e, m.code);
      encoding.writeVarString(e, m.reason);
      break;
    case 'response':
      encoding.writeVarUint(e, PeerKind.RESPONSE);
      encoding.writeVarUint(e, m.id);
      encoding.writeVarUint(e, STATUS[m.status]);
      encoding.writeVarUint(e, m.epoch);
      if (m.status === 'ok') {
        encoding.writeVarUint(e, m.doc ? 1 : 0);
        if (m.doc) {
          encoding.writeVarString(e, m.doc.generation);
          encoding.writeVarUint8Array(e, m.doc.state);
        }
      } else {
        encoding.writeVarString(e, m.message);
      }
      break;
  }
  return encoding.toUint8Array(e);
}

export function decodePeerMessage(bytes: Uint8Array): PeerMessage {
  try {
    const d = decoding.createDecoder(bytes);
    const kind = decoding.readVarUint(d);
    const id = decoding.readVarUint(d);
    let message: PeerMessage;
    if (kind === PeerKind.FETCH) {
      const epoch = decoding.readVarUint(d);
      message = { kind: 'fetch', id, epoch, docId: decoding.readVarString(d) };
    } else if (kind === PeerKind.PUSH) {
      const epoch = decoding.readVarUint(d);
      const docId = decoding.readVarString(d);
      const generation = decoding.readVarString(d);
      const role = decoding.readVarUint(d);
      if (role !== 0 && role !== 1) throw new PeerProtocolError(`unknown push role ${role}`);
      const ring = decoding.readVarString(d);
      const update = decoding.readVarUint8Array(d);
      message = {
        kind: 'push',
        id,
        epoch,
        docId,
        generation,
        role: role === 0 ? 'replicate' : 'handoff',
        ring,
        update,
      };
    } else if (kind === PeerKind.STREAM_OPEN) {
      const epoch = decoding.readVarUint(d);
      message = { kind: 'stream-open', id, epoch, docId: decoding.readVarString(d) };
    } else if (kind === PeerKind.STREAM_FRAME) {
      message = { kind: 'stream-frame', id, frame: decoding.readVarUint8Array(d) };
    } else if (kind === PeerKind.STREAM_CLOSE) {
      const code = decoding.readVarUint(d);
      message = { kind: 'stream-close', id, code, reason: decoding.readVarString(d) };
    } else if (kind === PeerKind.RESPONSE) {
      const status = decoding.readVarUint(d);
      const epoch = decoding.readVarUint(d);
      if (status === STATUS.ok) {
        const found = decoding.readVarUint(d);
        const doc =
          found === 1
            ? { generation: decoding.readVarString(d), state: decoding.readVarUint8Array(d) }
            : null;
        message = { kind: 'response', id, status: 'ok', epoch, doc };
      } else if (status === STATUS.error || status === STATUS['stale-epoch']) {
        message = {
          kind: 'response',
          id,
          status: status === STATUS.error ? 'error' : 'stale-epoch',
          epoch,
          message: decoding.readVarString(d),
        };
      } else {
        throw new PeerProtocolError(`unknown response status ${status}`);
      }
    } else {
      throw new PeerProtocolError(`unknown peer message kind ${kind}`);
    }
    if (decoding.hasContent(d)) throw new PeerProtocolError('trailing bytes in peer message');
    return message;
  } catch (error) {
    if (error instanceof PeerProtocolError) throw error;
    throw new PeerProtocolError(`malformed peer message: ${(error as Error).message}`);
  }
}
