import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, parseLimitAssignments, resolveLimits } from './settings.ts';

describe('limit settings', () => {
  it('[P22] defaults fill what is not given; bad names and values are refused', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS);
    expect(resolveLimits({ messagesPerSecond: 5 }).messagesPerSecond).toBe(5);
    expect(() => resolveLimits({ messagesPerSecond: 0 })).toThrow(/positive/);
    expect(() => resolveLimits({ nope: 1 } as never)).toThrow(/unknown limit/);
  });

  it('[P22] --limits parses name=value pairs with k/m suffixes', () => {
    expect(
      parseLimitAssignments('messagesPerSecond=20, maxDocumentBytes=2m,byteBurst=64k'),
    ).toEqual({ messagesPerSecond: 20, maxDocumentBytes: 2 * 1024 * 1024, byteBurst: 64 * 1024 });
    expect(() => parseLimitAssignments('messagesPerSecond')).toThrow(/name=number/);
    expect(() => parseLimitAssignments('bogus=1')).toThrow(/unknown limit bogus/);
  });
});
