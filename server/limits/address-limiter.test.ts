import { describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/index.ts';
import { createAddressLimiter } from './address-limiter.ts';

describe('connection attempts per address', () => {
  it('[P22] an address over its rate is refused with 4529 and a retry-after; others are not', () => {
    let t = 0;
    const limiter = createAddressLimiter({
      attemptsPerSecond: 2,
      burst: 3,
      maxTracked: 100,
      now: () => t,
    });
    for (let i = 0; i < 3; i++) expect(limiter.attempt('10.0.0.1')).toBeNull();
    const refusal = limiter.attempt('10.0.0.1');
    expect(refusal).toMatchObject({ code: CloseCode.RATE_LIMITED });
    expect(refusal?.reason).toMatch(/too many connection attempts from 10\.0\.0\.1/);
    expect(refusal?.retryAfterMs).toBeGreaterThanOrEqual(500);
    expect(limiter.attempt('10.0.0.2')).toBeNull();
    t += 500;
    expect(limiter.attempt('10.0.0.1')).toBeNull();
  });

  it('[P22] 127.0.0.1 and ::1 (a local proxy, benchmarks) are not metered; 127.0.0.2 is', () => {
    const limiter = createAddressLimiter({ attemptsPerSecond: 1, burst: 1, maxTracked: 10 });
    for (let i = 0; i < 5; i++) {
      expect(limiter.attempt('127.0.0.1')).toBeNull();
      expect(limiter.attempt('::1')).toBeNull();
    }
    expect(limiter.attempt('127.0.0.2')).toBeNull();
    expect(limiter.attempt('127.0.0.2')).not.toBeNull();
  });

  it('[P22] remembers at most maxTracked addresses, forgetting the least recently seen', () => {
    const limiter = createAddressLimiter({ attemptsPerSecond: 1, burst: 1, maxTracked: 3 });
    for (const a of ['a', 'b', 'c']) limiter.attempt(a);
    expect(limiter.attempt('a')).not.toBeNull();
    limiter.attempt('d');
    expect(limiter.size).toBe(3);
    // 'b' was the least recently seen: forgotten, so it starts with a full bucket again.
    expect(limiter.attempt('b')).toBeNull();
    expect(limiter.attempt('a')).not.toBeNull();
  });
});
