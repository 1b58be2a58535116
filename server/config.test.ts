import { describe, expect, it } from 'vitest';
import { resolveNodeConfig } from './config.ts';

const base = { id: 'n1', port: 4001, dataDir: '/tmp/x', etcd: ['http://127.0.0.1:2379'] };

describe('resolveNodeConfig', () => {
  it('fills documented defaults', () => {
    const c = resolveNodeConfig(base);
    expect(c).toMatchObject({
      host: '127.0.0.1',
      publicUrl: 'ws://127.0.0.1:4001',
      prefix: '/ringdoc/',
      leaseTtlSeconds: 5,
      maxFrameBytes: 8 * 1024 * 1024,
      replicas: 2,
      durability: 'replica',
    });
  });

  it('refuses values that cannot work, with a clear message', () => {
    expect(() => resolveNodeConfig({ ...base, id: 'bad id' })).toThrow(/invalid node id/);
    expect(() => resolveNodeConfig({ ...base, leaseTtlSeconds: 1 })).toThrow(/>= 2/);
    expect(() => resolveNodeConfig({ ...base, etcd: [] })).toThrow(/etcd endpoint/);
    expect(() => resolveNodeConfig({ ...base, durability: 'sometimes' as 'local' })).toThrow(
      /durability/,
    );
  });

  it('refuses to bind a non-loopback interface with the development cluster secret', () => {
    expect(() => resolveNodeConfig({ ...base, host: '0.0.0.0' })).toThrow(/RINGDOC_CLUSTER_SECRET/);
    expect(
      resolveNodeConfig({
        ...base,
        host: '0.0.0.0',
        clusterSecret: 'a-real-secret-of-32-characters!!',
      }).host,
    ).toBe('0.0.0.0');
  });
});
