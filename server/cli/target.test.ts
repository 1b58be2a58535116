import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.ts';
import type { LocalClusterState } from './local/state.ts';
import { resolveTarget } from './target.ts';

const local = {
  etcd: { endpoint: 'http://127.0.0.1:23000' },
  prefix: '/local/',
} as LocalClusterState;

describe('resolveTarget', () => {
  it('prefers --etcd/--prefix, then RINGDOC_ETCD/RINGDOC_PREFIX, then the local cluster, then defaults', () => {
    const flags = parseArgs(['--etcd', 'http://a:1,http://b:2', '--prefix', '/p']);
    expect(resolveTarget(flags, { RINGDOC_ETCD: 'http://env:1' }, local)).toEqual({
      endpoints: ['http://a:1', 'http://b:2'],
      prefix: '/p/',
      source: '--etcd',
    });
    const none = parseArgs([]);
    expect(
      resolveTarget(none, { RINGDOC_ETCD: 'http://env:1', RINGDOC_PREFIX: '/e/' }, local),
    ).toEqual({
      endpoints: ['http://env:1'],
      prefix: '/e/',
      source: 'RINGDOC_ETCD',
    });
    expect(resolveTarget(none, {}, local)).toEqual({
      endpoints: ['http://127.0.0.1:23000'],
      prefix: '/local/',
      source: 'local cluster',
    });
    expect(resolveTarget(none, {}, null)).toEqual({
      endpoints: ['http://127.0.0.1:2379'],
      prefix: '/ringdoc/',
      source: 'default',
    });
  });

  it('treats an empty RINGDOC_ETCD as unset and refuses an endpoint list with no endpoint', () => {
    expect(resolveTarget(parseArgs([]), { RINGDOC_ETCD: '' }, null).source).toBe('default');
    expect(() => resolveTarget(parseArgs(['--etcd', ' , ']), {}, null)).toThrow(/no etcd endpoint/);
  });
});
