import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.ts';
import { decodeClientFrame, decodeServerFrame, encodeReply, encodeRequest } from './frame.ts';

describe('REQUEST / REPLY (P23)', () => {
  it('[P23] round-trips requests and replies', () => {
    const request = { id: 7, op: 'restore', args: { version: '3' } };
    expect(decodeClientFrame(encodeRequest(request))).toEqual({ type: 'request', ...request });
    const reply = { id: 7, ok: false, code: 4403, reason: 'forbidden' };
    expect(decodeServerFrame(encodeReply(reply))).toEqual({ type: 'reply', ...reply });
    const ok = { id: 1, ok: true, result: { version: null } };
    expect(decodeServerFrame(encodeReply(ok))).toEqual({ type: 'reply', ...ok });
  });

  it('[P23] a request defaults its args to {} and ignores unknown fields', () => {
    const frame = new Uint8Array([22, ...lengthPrefixed('{"id":1,"op":"cut","extra":true}')]);
    expect(decodeClientFrame(frame)).toEqual({ type: 'request', id: 1, op: 'cut', args: {} });
  });

  it('[P4][P23] malformed payloads and wrong directions are 4400', () => {
    for (const json of [
      '[]',
      '{"id":-1,"op":"x"}',
      '{"id":1,"op":""}',
      '{"id":1,"op":"x","args":3}',
    ]) {
      expect(() => decodeClientFrame(new Uint8Array([22, ...lengthPrefixed(json)]))).toThrow(
        ProtocolError,
      );
    }
    expect(() => decodeServerFrame(encodeRequest({ id: 1, op: 'x', args: {} }))).toThrow(
      /clients only/,
    );
    expect(() => decodeClientFrame(encodeReply({ id: 1, ok: true }))).toThrow(/servers only/);
    expect(() => encodeReply({ id: 1, ok: true, code: 99 })).toThrow(RangeError);
  });
});

function lengthPrefixed(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > 127) throw new RangeError('test helper: keep it short');
  return [bytes.length, ...bytes];
}
