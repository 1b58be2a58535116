import { describe, expect, it } from 'vitest';
import { securityHeaders } from './next.config.ts';

const get = (production: boolean, key: string) =>
  securityHeaders(production).find((h) => h.key === key)?.value ?? '';

describe('security headers', () => {
  it('production CSP has no unsafe-eval and forbids framing; referrer and sniffing off', () => {
    expect(get(true, 'Content-Security-Policy')).not.toContain('unsafe-eval');
    expect(get(true, 'Content-Security-Policy')).toContain("frame-ancestors 'none'");
    expect(get(false, 'Content-Security-Policy')).toContain('unsafe-eval');
    expect(get(true, 'Referrer-Policy')).toBe('no-referrer');
    expect(get(true, 'X-Content-Type-Options')).toBe('nosniff');
  });
});
