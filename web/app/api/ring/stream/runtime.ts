import { createEtcdClient, watchMembers } from '../../../../../ring/index.ts';
import { readWebConfig } from '../../../../lib/server/config.ts';
import { createWebLogger } from '../../../../lib/server/log.ts';
import { createRingFeed, type RingFeed } from './feed.ts';

const KEY = Symbol.for('ringdoc.web.ring-feed');

/**
 * The composition root of the ring feed: one per process, created on first use from the
 * environment (`RINGDOC_ETCD`, `RINGDOC_PREFIX`), kept on `globalThis` like the backend.
 * It follows membership through its own etcd watch, which reports every revision (the
 * backend's watch offers no change events), so a short `draining` phase is not missed.
 */
export function getRingFeed(): RingFeed {
  const holder = globalThis as typeof globalThis & { [KEY]?: RingFeed };
  let feed = holder[KEY];
  if (!feed) {
    const config = readWebConfig(process.env);
    const log = createWebLogger(process.env.RINGDOC_LOG_LEVEL);
    const client = createEtcdClient({ endpoints: [...config.etcdEndpoints], log });
    const source = watchMembers({ client, prefix: config.prefix, log });
    feed = createRingFeed({ source, log });
    holder[KEY] = feed;
  }
  return feed;
}
