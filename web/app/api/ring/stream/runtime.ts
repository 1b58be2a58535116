import { createWebLogger } from '../../../../lib/server/log.ts';
import { getBackend } from '../../../../lib/server/runtime.ts';
import { createRingFeed, httpProbe, type RingFeed } from './feed.ts';

const KEY = Symbol.for('ringdoc.web.ring-feed');

/**
 * The composition root of the ring feed: one per process, kept on `globalThis` like the
 * backend, following the backend's own membership watch (one etcd client per web process;
 * the watch reports every revision, so a short `draining` phase is not missed).
 */
export function getRingFeed(): RingFeed {
  const holder = globalThis as typeof globalThis & { [KEY]?: RingFeed };
  let feed = holder[KEY];
  if (!feed) {
    const log = createWebLogger(process.env.RINGDOC_LOG_LEVEL);
    const token = getBackend().config.operatorToken;
    feed = createRingFeed({
      source: getBackend().membership,
      log,
      probe: httpProbe(fetch, token ? { authorization: `Bearer ${token}` } : {}),
    });
    holder[KEY] = feed;
  }
  return feed;
}
