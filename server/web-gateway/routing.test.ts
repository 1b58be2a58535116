import { describe, expect, it } from 'vitest';
import { cookieFrom, type GatewayRouting, parseGatewayRouting, routeRequest } from './routing.ts';

const stable = { build: '1.0.0', url: 'http://127.0.0.1:3001', pid: null };
const canary = { build: '1.1.0', url: 'http://127.0.0.1:3002', pid: 42, share: 10 };
const both: GatewayRouting = { version: 1, stable, canary };

describe('web gateway routing', () => {
  it('assigns a browser without a cookie to the new build with probability = share', () => {
    expect(routeRequest(both, null, 0.05)).toEqual({ upstream: canary, setCookie: '1.1.0' });
    expect(routeRequest(both, null, 0.1)).toEqual({ upstream: stable, setCookie: '1.0.0' });
    const picks = Array.from({ length: 1000 }, (_, i) => routeRequest(both, null, i / 1000));
    expect(picks.filter((d) => d.upstream.build === '1.1.0')).toHaveLength(100);
  });

  it('keeps a browser on the build its cookie names while that build is served', () => {
    expect(routeRequest(both, '1.1.0', 0.99)).toEqual({ upstream: canary, setCookie: null });
    expect(routeRequest(both, '1.0.0', 0.0)).toEqual({ upstream: stable, setCookie: null });
    expect(
      routeRequest({ ...both, canary: { ...canary, share: 0 } }, '1.1.0', 0.5).upstream.build,
    ).toBe('1.1.0');
  });

  it('re-assigns a cookie naming a build no longer served (rolled back or retired)', () => {
    const rolledBack: GatewayRouting = { version: 1, stable, canary: null };
    expect(routeRequest(rolledBack, '1.1.0', 0)).toEqual({ upstream: stable, setCookie: '1.0.0' });
    const promoted: GatewayRouting = {
      version: 1,
      stable: { build: '1.1.0', url: canary.url, pid: 42 },
      canary: null,
    };
    expect(routeRequest(promoted, '1.0.0', 0.5).setCookie).toBe('1.1.0');
    expect(routeRequest(both, 'garbage', 0.99)).toEqual({ upstream: stable, setCookie: '1.0.0' });
  });

  it('reads the cookie among others', () => {
    expect(cookieFrom('a=1; ringdoc-build=1.1.0; b=2', 'ringdoc-build')).toBe('1.1.0');
    expect(cookieFrom('a=1', 'ringdoc-build')).toBeNull();
    expect(cookieFrom(undefined, 'ringdoc-build')).toBeNull();
  });

  it('parses the stored record and names what is wrong', () => {
    expect(parseGatewayRouting(JSON.stringify(both))).toEqual(both);
    expect(parseGatewayRouting(JSON.stringify({ version: 1, stable }))).toEqual({
      version: 1,
      stable,
      canary: null,
    });
    expect(parseGatewayRouting('nope')).toEqual(new Error('web-gateway record is not JSON'));
    expect(
      (parseGatewayRouting(JSON.stringify({ ...both, canary: { ...canary, share: 150 } })) as Error)
        .message,
    ).toMatch(/share/);
    expect(
      (
        parseGatewayRouting(
          JSON.stringify({ version: 1, stable: { ...stable, url: 'x' } }),
        ) as Error
      ).message,
    ).toMatch(/stable\.url/);
  });
});
