import { describe, expect, it } from 'vitest';
import {
  encodeAck,
  encodeHello,
  encodeRedirect,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '../../server/protocol/index.ts';
import type { ByteCursor } from './identify.ts';
import { readVarUint } from './identify.ts';
import { EMPTY_STEP1, EMPTY_STEP2, Incoming, readBytes, readIncoming, wireFor } from './wire.ts';

const cursor = (bytes: Uint8Array): ByteCursor => ({ bytes, pos: 0 });
const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

describe('wire', () => {
  it('encodes the empty sync messages as y-protocols does', () => {
    expect(EMPTY_STEP1).toEqual(encodeSyncStep1(new Uint8Array([0])));
    expect(EMPTY_STEP2).toEqual(encodeSyncStep2(new Uint8Array([0, 0])));
  });

  it('classifies ringdoc frames and leaves the cursor at the payload', () => {
    const update = new Uint8Array([9, 8, 7]);
    const c = cursor(encodeSyncUpdate(update));
    expect(readIncoming(c, false)).toBe(Incoming.UPDATE);
    expect(readBytes(c)).toEqual(update);
    const ack = cursor(encodeAck(300));
    expect(readIncoming(ack, false)).toBe(Incoming.ACK);
    expect(readVarUint(ack)).toBe(300);
    expect(
      readIncoming(cursor(encodeRedirect({ owner: 'n2', url: 'ws://x', epoch: 3 })), false),
    ).toBe(Incoming.REDIRECT);
    expect(
      readIncoming(
        cursor(encodeHello({ node: 'n1', epoch: 1, generation: 'g', protocol: 1 })),
        false,
      ),
    ).toBe(Incoming.OTHER);
  });

  it('skips the Hocuspocus document name, and reads its SyncReply (4) as sync', () => {
    const wire = wireFor('hocuspocus-3');
    const prefix = wire.prefix('doc-1');
    const step1 = cursor(concat(prefix, new Uint8Array([4, 0, 1, 0])));
    expect(readIncoming(step1, true)).toBe(Incoming.STEP1);
    const step2 = cursor(concat(prefix, encodeSyncStep2(new Uint8Array([0, 0]))));
    expect(readIncoming(step2, true)).toBe(Incoming.STEP2);
    expect(wire.openBodies[0]).toEqual(new Uint8Array([2, 0, 0]));
    expect(wireFor('ours').path('a')).toBe('/doc/a?proto=1');
    expect(wireFor('ours', false).acks).toBe(false);
  });
});
