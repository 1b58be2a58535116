import type { Etcd3 } from 'etcd3';
import type { PrefixUpdate } from '../../ring/etcd/prefix-state.ts';
import { watchPrefix } from '../../ring/etcd/prefix-watch.ts';
import type { Logger } from '../log.ts';
import { linksPrefix, parseLinkKey, parseLinkRecord } from './link-record.ts';

/** The revoked share links, kept live from etcd (`<prefix>links/`). */
export interface RevocationWatch {
  isRevoked(linkId: string): boolean;
  /** Resolves once the first list of `links/` is in. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface RevocationWatchOptions {
  readonly client: Etcd3;
  /** etcd key prefix (ends with `/`). */
  readonly prefix: string;
  readonly log: Logger;
  /** Called once for each link that becomes revoked (its record says so, or was deleted). */
  readonly onRevoked: (linkId: string) => void;
}

/**
 * Watches `<prefix>links/` (list, then watch from the list's revision + 1, re-list after a
 * compaction: `watchPrefix`, DESIGN R5). A link is revoked when its record says `revoked` or
 * when its key is deleted; a revoked link never becomes valid again on this node.
 */
export function watchRevocations(options: RevocationWatchOptions): RevocationWatch {
  const { prefix, log } = options;
  const revoked = new Set<string>();
  const onUpdate = (update: PrefixUpdate) => {
    for (const key of update.changed) {
      const id = parseLinkKey(prefix, key);
      if (id === null || revoked.has(id)) continue;
      const entry = update.snapshot.entries.get(key);
      const record = entry ? parseLinkRecord(id, entry.value.toString('utf8')) : null;
      if (entry && !record) {
        log.warn('ignoring a link record that does not parse', { key });
        continue;
      }
      if (record && !record.revoked) continue;
      revoked.add(id);
      options.onRevoked(id);
    }
  };
  const watch = watchPrefix({
    client: options.client,
    prefix: linksPrefix(prefix),
    log,
    label: 'links',
    onUpdate,
  });
  return {
    isRevoked: (id) => revoked.has(id),
    async ready() {
      await watch.ready();
    },
    close: () => watch.close(),
  };
}
