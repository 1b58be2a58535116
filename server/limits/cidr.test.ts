import { describe, expect, it } from 'vitest';
import { createClientAddressResolver, normalizeAddress, parseCidr } from './cidr.ts';

describe('trusted proxies (P22)', () => {
  it('parses CIDRs and bare addresses, refuses anything else', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['', 'proxy', '10.0.0.0/33', '10.0.0.0/x', '1.2.3.4/']) {
      expect(() => parseCidr(bad)).toThrow(/trusted proxy/);
    }
  });

  it('maps IPv4-mapped IPv6 to IPv4', () => {
    expect(normalizeAddress('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(normalizeAddress('0000:0000:0000:0000:0000:ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(normalizeAddress('127.0.0.3')).toBe('127.0.0.3');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    const resolver = createClientAddressResolver(['127.0.0.2/32']);
    expect(resolver.resolve('127.0.0.3', '203.0.113.9')).toBe('127.0.0.3');
    expect(createClientAddressResolver([]).resolve('127.0.0.2', '203.0.113.9')).toBe('127.0.0.2');
  });

  it("takes the right-most untrusted hop of a trusted proxy's X-Forwarded-For", () => {
    const resolver = createClientAddressResolver(['127.0.0.2', '10.0.0.0/8']);
    expect(resolver.resolve('127.0.0.2', '203.0.113.9')).toBe('203.0.113.9');
    // The client wrote the left-most entry itself: a forged hop is not believed.
    expect(resolver.resolve('127.0.0.2', '1.1.1.1, 203.0.113.9, 10.1.2.3')).toBe('203.0.113.9');
    expect(resolver.resolve('127.0.0.2', '')).toBe('127.0.0.2');
    expect(resolver.resolve('127.0.0.2', 'garbage')).toBe('127.0.0.2');
  });
});
