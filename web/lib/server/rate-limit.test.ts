import { describe, expect, it } from 'vitest';
import { clientAddressOf, createRateLimiter } from './rate-limit.ts';

describe('web rate limits', () => {
  it('refuses with 429 and retry-after past the burst, per key, and refills with time', () => {
    let t = 0;
    const limiter = createRateLimiter({
      now: () => t,
      rates: {
        ticket: { ratePerSecond: 1, burst: 3 },
        ticketAddress: { ratePerSecond: 1, burst: 3 },
        links: { ratePerSecond: 1, burst: 3 },
        linksAddress: { ratePerSecond: 1, burst: 3 },
        ensureAddress: { ratePerSecond: 1, burst: 3 },
      },
    });
    for (let i = 0; i < 3; i++) expect(limiter.check('ticket', 'link-a')).toBeNull();
    const refused = limiter.check('ticket', 'link-a');
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(limiter.check('ticket', 'link-b')).toBeNull();
    expect(limiter.check('links', 'link-a')).toBeNull();
    t += 1000;
    expect(limiter.check('ticket', 'link-a')).toBeNull();
  });

  it('forgets the least recently used keys beyond maxKeys', () => {
    const limiter = createRateLimiter({ now: () => 0, maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) expect(limiter.check('links', key)).toBeNull();
  });

  it('takes the right-most X-Forwarded-For hop', () => {
    const request = (xff?: string) =>
      new Request('http://x/', xff === undefined ? {} : { headers: { 'x-forwarded-for': xff } });
    expect(clientAddressOf(request('1.1.1.1, 127.0.0.2'))).toBe('127.0.0.2');
    expect(clientAddressOf(request())).toBe('unknown');
  });
});
