import { describe, expect, it } from 'vitest';
import { sseComment, sseEvent, sseRetry } from './sse.ts';

describe('sse framing', () => {
  it('frames an event with one data line per line and a blank line at the end', () => {
    expect(sseEvent('snapshot', '{"a":1}')).toBe('event: snapshot\ndata: {"a":1}\n\n');
    expect(sseEvent('x', 'one\ntwo\r\nthree')).toBe(
      'event: x\ndata: one\ndata: two\ndata: three\n\n',
    );
  });

  it('keeps comments on one line and retry an integer', () => {
    expect(sseComment('keep\nalive')).toBe(': keep alive\n\n');
    expect(sseRetry(2000.7)).toBe('retry: 2000\n\n');
  });
});
