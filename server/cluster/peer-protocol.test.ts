import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePeerMessage,
  encodePeerMessage,
  type PeerMessage,
  PeerProtocolError,
} from './peer-protocol.ts';

const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const bytes = fc.uint8Array({ maxLength: 64 });
const str = fc.string({ maxLength: 20 });
const message: fc.Arbitrary<PeerMessage> = fc.oneof(
  fc.record({ kind: fc.constant('stream-open' as const), id: u32, epoch: u32, docId: str }),
  fc.record({ kind: fc.constant('stream-frame' as const), id: u32, frame: bytes }),
  fc.record({
    kind: fc.constant('stream-close' as const),
    id: u32,
    code: fc.integer({ min: 0, max: 4999 }),
    reason: str,
  }),
  fc.record({ kind: fc.constant('fetch' as const), id: u32, epoch: u32, docId: str }),
  fc.record({
    kind: fc.constant('push' as const),
    id: u32,
    epoch: u32,
    docId: str,
    generation: str,
    role: fc.constantFrom('replicate' as const, 'handoff' as const),
    ring: str,
    update: bytes,
  }),
  fc.record({
    kind: fc.constant('response' as const),
    id: u32,
    status: fc.constant('ok' as const),
    epoch: u32,
    doc: fc.option(fc.record({ generation: str, state: bytes }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant('response' as const),
    id: u32,
    status: fc.constantFrom('error' as const, 'stale-epoch' as const),
    epoch: u32,
    message: str,
  }),
);

describe('peer protocol', () => {
  it('[M5] decode(encode(m)) = m for every message, epoch included', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodePeerMessage(encodePeerMessage(m))).toEqual(m);
      }),
    );
  });

  it('malformed bytes throw PeerProtocolError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => {
        try {
          decodePeerMessage(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(PeerProtocolError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
