import { describe, expect, it } from 'vitest';
import { createKeyspace } from '../ring/index.ts';
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
      groupCommitMs: 5,
    });
  });

  it('refuses values that cannot work, with a clear message', () => {
    expect(() => resolveNodeConfig({ ...base, id: 'bad id' })).toThrow(/invalid node id/);
  });

  it('refuses, before anything binds, every node id etcd membership would refuse', () => {
    // The member keyspace takes 1-63 characters starting with a letter or digit: an id the
    // config accepted but the keyspace refused made the node fail only after binding its port.
    for (const id of ['.n1', '-n1', '_n1', 'n'.repeat(64)]) {
      expect(() => createKeyspace().memberKey(id)).toThrow();
      expect(() => resolveNodeConfig({ ...base, id })).toThrow(/invalid node id/);
    }
    expect(resolveNodeConfig({ ...base, id: 'n'.repeat(63) }).id).toHaveLength(63);
    expect(() => resolveNodeConfig({ ...base, leaseTtlSeconds: 1 })).toThrow(/>= 2/);
    expect(() => resolveNodeConfig({ ...base, etcd: [] })).toThrow(/etcd endpoint/);
    expect(() => resolveNodeConfig({ ...base, durability: 'sometimes' as 'local' })).toThrow(
      /durability/,
    );
    for (const groupCommitMs of [-1, 101, Number.NaN]) {
      expect(() => resolveNodeConfig({ ...base, groupCommitMs })).toThrow(
        /groupCommitMs must be between 0 and 100 ms/,
      );
    }
    expect(resolveNodeConfig({ ...base, groupCommitMs: 0 }).groupCommitMs).toBe(0);
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
