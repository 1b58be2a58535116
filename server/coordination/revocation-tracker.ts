import type { Keyspace, Logger } from '../../ring/index.ts';
import { parseLinkRecord } from '../auth/link-record.ts';

/** The revoked share links, fed with the changes of the links folder. */
export interface RevocationTracker {
  /** A link record changed: `value` is its JSON, or `null` when the key was deleted. */
  apply(key: string, value: string | null): void;
  isRevoked(linkId: string): boolean;
}

/**
 * A link is revoked when its record says `revoked` or when its key is deleted; a revoked link
 * never becomes valid again on this node; `onRevoked` runs once per link. A record that does
 * not parse is ignored with a warning.
 */
export function createRevocationTracker(options: {
  readonly keys: Keyspace;
  readonly log: Logger;
  readonly onRevoked: (linkId: string) => void;
}): RevocationTracker {
  const revoked = new Set<string>();
  return {
    apply(key, value) {
      const id = options.keys.parseLinkKey(key);
      if (id === null || revoked.has(id)) return;
      const record = value === null ? null : parseLinkRecord(id, value);
      if (value !== null && !record) {
        options.log.warn('ignoring a link record that does not parse', { key });
        return;
      }
      if (record && !record.revoked) return;
      revoked.add(id);
      options.onRevoked(id);
    },
    isRevoked: (id) => revoked.has(id),
  };
}
