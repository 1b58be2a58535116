import { describe, expect, it } from 'vitest';
import { createKeyspace, DEFAULT_PREFIX, isValidMemberId, normalizePrefix } from './keys.ts';

describe('etcd key layout', () => {
  it('builds members/, config/, handoff/ and control/ keys under the default prefix, and nothing per document (R7)', () => {
    const keys = createKeyspace();
    expect(keys.prefix).toBe(DEFAULT_PREFIX);
    expect(keys.memberKey('n1')).toBe('/ringdoc/members/n1');
    expect(keys.configKey('min-client-build')).toBe('/ringdoc/config/min-client-build');
    expect(keys.prewarmKey('n2', 'n1')).toBe('/ringdoc/handoff/n2/n1');
    expect(keys.drainRequestKey('n1')).toBe('/ringdoc/control/n1/drain');
    expect(Object.keys(keys).filter((name) => /doc|link|seed/i.test(name))).toEqual([]);
  });

  it('normalises a prefix without a trailing slash and refuses an empty one', () => {
    expect(normalizePrefix('/x')).toBe('/x/');
    expect(createKeyspace('/x').memberKey('a')).toBe('/x/members/a');
    expect(() => normalizePrefix('')).toThrow();
  });

  it('parses only keys of its own folder and prefix', () => {
    const keys = createKeyspace('/t/');
    expect(keys.parseMemberKey('/t/members/n1')).toBe('n1');
    expect(keys.parseMemberKey('/t/members/a/b')).toBeNull();
    expect(keys.parseMemberKey('/t/members/')).toBeNull();
    expect(keys.parseMemberKey('/u/members/n1')).toBeNull();
    expect(keys.parseMemberKey('/t/config/n1')).toBeNull();
    expect(keys.parseConfigKey('/t/config/min-client-build')).toBe('min-client-build');
  });

  it('refuses member ids and config names that would not round-trip', () => {
    const keys = createKeyspace();
    for (const bad of ['', 'a/b', '-a', 'a b', 'x'.repeat(64)]) {
      expect(isValidMemberId(bad)).toBe(false);
      expect(() => keys.memberKey(bad)).toThrow(/invalid member id/);
    }
    expect(() => keys.configKey('a/b')).toThrow(/invalid config name/);
    for (const good of ['n1', 'node-2.eu_west', 'A'.repeat(63)]) {
      expect(keys.parseMemberKey(keys.memberKey(good))).toBe(good);
    }
  });

  it('builds one rollout key per kind under rollouts/ and refuses other kinds', () => {
    const keys = createKeyspace('/t/');
    expect(keys.rolloutKey('nodes')).toBe('/t/rollouts/nodes');
    expect(keys.rolloutKey('web')).toBe('/t/rollouts/web');
    expect(keys.rolloutDriverKey('nodes')).toBe('/t/rollout-drivers/nodes');
    expect(keys.webGatewayKey()).toBe('/t/web-gateway');
    expect(() => keys.rolloutKey('db' as 'web')).toThrow(/invalid rollout kind/);
  });
});
