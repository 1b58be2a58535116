import { describe, expect, it } from 'vitest';
import { createRedirectPolicy, knownIn, normalizeMemberUrl } from './redirect-policy.ts';

const members = knownIn([
  { id: 'n1', url: 'ws://127.0.0.1:4001' },
  { id: 'n2', url: 'ws://127.0.0.1:4002/' },
]);

describe('redirect policy', () => {
  it('[C3] follows a redirect to a known member', () => {
    const p = createRedirectPolicy();
    expect(p.decide({ owner: 'n2', url: 'ws://127.0.0.1:4002' }, members, false)).toEqual({
      kind: 'follow',
      url: 'ws://127.0.0.1:4002',
      owner: 'n2',
    });
    expect(p.hops).toBe(1);
  });

  it('[C3] an unknown target is refreshed once, then backed off', () => {
    const p = createRedirectPolicy();
    const evil = { owner: 'n9', url: 'ws://evil.example:80' };
    expect(p.decide(evil, members, false).kind).toBe('refresh');
    expect(p.decide(evil, members, true).kind).toBe('back-off');
    expect(p.hops).toBe(0);
  });

  it('[C3] a known id at a URL it does not have is not followed', () => {
    const p = createRedirectPolicy();
    expect(p.decide({ owner: 'n1', url: 'ws://127.0.0.1:4002' }, members, true).kind).toBe(
      'back-off',
    );
  });

  it('[C3] at most 5 redirects in a row, then back off until reset', () => {
    const p = createRedirectPolicy();
    const target = { owner: 'n1', url: 'ws://127.0.0.1:4001' };
    for (let i = 0; i < 5; i++) expect(p.decide(target, members, false).kind).toBe('follow');
    expect(p.decide(target, members, false).kind).toBe('back-off');
    p.reset();
    expect(p.decide(target, members, false).kind).toBe('follow');
  });

  it('member URLs normalise to their ws(s) base', () => {
    expect(normalizeMemberUrl('http://127.0.0.1:1')).toBe('ws://127.0.0.1:1');
    expect(normalizeMemberUrl('ftp://127.0.0.1:1')).toBeNull();
    expect(normalizeMemberUrl('not a url')).toBeNull();
    expect(normalizeMemberUrl('wss://a.example/x/')).toBe('wss://a.example/x');
  });
});
