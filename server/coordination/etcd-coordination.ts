import type { Etcd3 } from 'etcd3';
import {
  type ConfigWatcher,
  createKeyspace,
  joinCluster,
  type Logger,
  type MembershipWatcher,
  watchConfig,
  watchMembers,
} from '../../ring/index.ts';
import type { Clock } from '../clock.ts';
import type { Coordination } from './coordination.ts';

export interface EtcdCoordinationOptions {
  readonly client: Etcd3;
  /** Key prefix (ends with `/`). */
  readonly prefix: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Virtual nodes per member of the rings built. */
  readonly vnodes: number;
  /**
   * etcd endpoints for the keepalive thread of `register` (R6: a busy event loop must not fence
   * a member whose lease is fine); absent: keepalives from the main thread only.
   */
  readonly keepaliveEndpoints?: readonly string[];
}

/**
 * {@link Coordination} over etcd: the members folder is listed then watched (R5), settings
 * likewise; registration is `joinCluster` (lease + keepalive + fencing, R6); drain requests and
 * pre-warm markers are plain keys. Nothing per document (R7). Every key
 * comes from the one keyspace (`ring/etcd/keys.ts`). The client is not closed by `close()`.
 */
export function createEtcdCoordination(options: EtcdCoordinationOptions): Coordination {
  const { client, log, clock } = options;
  const keys = createKeyspace(options.prefix);
  let members: MembershipWatcher | null = null;
  let config: ConfigWatcher | null = null;
  const cleanups = new Set<() => Promise<void>>();
  const started = () => {
    if (!members || !config) throw new Error('coordination used before start()');
    return { members, config };
  };

  return {
    async start() {
      members ??= watchMembers({ client, prefix: keys.prefix, log, vnodes: options.vnodes });
      config ??= watchConfig({ client, prefix: keys.prefix, log });
      await Promise.all([members.ready(), config.ready()]);
    },
    view: () => members?.current() ?? null,
    onView: (listener) => started().members.onChange(listener),
    waitForEpoch: (epoch, timeoutMs) => started().members.waitForEpoch(epoch, timeoutMs),
    setting: (name) => config?.get(name),
    onSetting: (listener) => started().config.onChange((name) => listener(name)),
    register: (record, ttlSeconds) =>
      joinCluster({
        client,
        prefix: keys.prefix,
        ttlSeconds,
        log,
        record,
        now: clock.now,
        ...(options.keepaliveEndpoints
          ? { keepaliveThread: { endpoints: options.keepaliveEndpoints } }
          : {}),
      }),
    async onDrainRequest(nodeId, listener) {
      const key = keys.drainRequestKey(nodeId);
      const watch = await client.watch().key(key).create();
      watch.on('put', () => listener());
      watch.on('error', (error) => log.warn('drain request watch error', { error }));
      const stop = async () => {
        cleanups.delete(stop);
        await watch.cancel().catch(() => {});
      };
      cleanups.add(stop);
      if ((await client.get(key).string()) !== null) listener();
      return () => void stop();
    },
    async clearDrainRequest(nodeId) {
      await client.delete().key(keys.drainRequestKey(nodeId));
    },
    async markPrewarmed(joiner, owner, epoch) {
      await client.put(keys.prewarmKey(joiner, owner)).value(String(epoch));
    },
    async prewarmedBy(joiner) {
      const found = await client.getAll().prefix(keys.prewarmPrefix(joiner)).keys();
      return found
        .map((key) => keys.parsePrewarmKey(joiner, key))
        .filter((owner): owner is string => owner !== null);
    },
    async clearPrewarm(joiner) {
      await client.delete().prefix(keys.prewarmPrefix(joiner));
    },
    async close() {
      await Promise.allSettled([...cleanups].map((stop) => stop()));
      await members?.close();
      await config?.close();
    },
  };
}
