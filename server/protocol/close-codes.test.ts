import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../../ring/testing/seed.ts';
import {
  CloseCode,
  clampUtf8,
  closeCodeInfo,
  closeReason,
  isKnownCloseCode,
  MAX_CLOSE_REASON_BYTES,
} from './close-codes.ts';

const SEED = propertySeed();
const byteLength = (text: string) => new TextEncoder().encode(text).length;
/** What `text` becomes on the wire (lone surrogates turn into U+FFFD). */
const wellFormed = (text: string) => new TextDecoder().decode(new TextEncoder().encode(text));

describe('close-code table', () => {
  it('[P15] every code has the documented name and client action', () => {
    const expected: Array<[number, string, string]> = [
      [1000, 'normal', 'retry'],
      [1009, 'too-big', 'stop'],
      [4300, 'redirect', 'follow-redirect'],
      [4400, 'bad-request', 'stop'],
      [4401, 'unauthorized', 'stop'],
      [4403, 'forbidden', 'stop'],
      [4409, 'generation-mismatch', 'recover'],
      [4413, 'document-too-large', 'stop'],
      [4426, 'upgrade-required', 'reload'],
      [4500, 'load-failed', 'retry'],
      [4503, 'retry', 'retry'],
      [4529, 'rate-limited', 'retry'],
    ];
    expect(Object.values(CloseCode).sort()).toEqual(expected.map(([code]) => code));
    for (const [code, name, action] of expected) {
      const info = closeCodeInfo(code);
      expect({ code: info.code, name: info.name, action: info.action }).toEqual({
        code,
        name,
        action,
      });
      expect(isKnownCloseCode(code)).toBe(true);
      expect(info.reason.length).toBeGreaterThan(0);
      expect(byteLength(info.reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    }
  });

  it('[P15] y-websocket stops on every stop/reload/recover code in 4400-4499', () => {
    for (const code of Object.values(CloseCode)) {
      const { action } = closeCodeInfo(code);
      const yWebsocketStops = code >= 4400 && code < 4500;
      if (yWebsocketStops) expect(['stop', 'reload', 'recover']).toContain(action);
    }
  });

  it('[P15] unknown codes stop in 4400-4499 and retry elsewhere', () => {
    expect(closeCodeInfo(4499)).toMatchObject({ name: 'unknown', action: 'stop' });
    expect(closeCodeInfo(4404)).toMatchObject({ name: 'unknown', action: 'stop' });
    expect(closeCodeInfo(1006)).toMatchObject({ name: 'unknown', action: 'retry' });
    expect(closeCodeInfo(1001)).toMatchObject({ name: 'unknown', action: 'retry' });
    expect(closeCodeInfo(4999)).toMatchObject({ name: 'unknown', action: 'retry' });
    expect(isKnownCloseCode(1006)).toBe(false);
  });
});

describe('close reasons', () => {
  it('[P16] the detail is the reason; no detail gives the default reason', () => {
    expect(closeReason(CloseCode.BAD_REQUEST, 'malformed frame: empty frame')).toBe(
      'malformed frame: empty frame',
    );
    expect(closeReason(CloseCode.RETRY)).toBe(closeCodeInfo(CloseCode.RETRY).reason);
    expect(closeReason(CloseCode.RETRY, '')).toBe(closeCodeInfo(CloseCode.RETRY).reason);
    expect(closeReason(4999)).toBe('connection closed');
  });

  it('[P16] a 123-byte reason is kept whole; 124 bytes are clamped with an ellipsis', () => {
    const exact = 'a'.repeat(123);
    expect(closeReason(4400, exact)).toBe(exact);
    const over = 'a'.repeat(124);
    const clamped = closeReason(4400, over);
    expect(clamped).toBe(`${'a'.repeat(120)}…`);
    expect(byteLength(clamped)).toBe(123);
  });

  it('[P16] multibyte text is clamped at a character boundary', () => {
    const euros = closeReason(4400, '€'.repeat(60)); // 180 bytes
    expect(byteLength(euros)).toBeLessThanOrEqual(123);
    expect(euros).toBe(`${'€'.repeat(40)}…`);

    const emoji = closeReason(4400, `ab${'😀'.repeat(40)}`); // 162 bytes, 4-byte characters
    expect(byteLength(emoji)).toBeLessThanOrEqual(123);
    expect(emoji).toBe(`ab${'😀'.repeat(29)}…`);
    expect(emoji).not.toMatch(/\uFFFD/);
  });

  it('[P16] any text becomes at most 123 bytes: itself, or a prefix of it plus …', () => {
    const text = fc.string({
      maxLength: 200,
      unit: fc.oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        fc.constantFrom('\uD800', '\uDFFF', 'é', '€', '😀'),
      ),
    });
    fc.assert(
      fc.property(text, (detail) => {
        const reason = closeReason(4503, detail);
        expect(byteLength(reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
        if (detail === '') return;
        if (byteLength(detail) <= MAX_CLOSE_REASON_BYTES) {
          expect(reason).toBe(detail);
        } else {
          expect(reason.endsWith('…')).toBe(true);
          expect(wellFormed(detail).startsWith(reason.slice(0, -1))).toBe(true);
          expect(byteLength(reason)).toBeGreaterThan(MAX_CLOSE_REASON_BYTES - 3 - 4);
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('[P16] clampUtf8 without room for an ellipsis just cuts', () => {
    expect(clampUtf8('abcdef', 2)).toBe('ab');
    expect(clampUtf8('€€', 2)).toBe('');
  });
});
