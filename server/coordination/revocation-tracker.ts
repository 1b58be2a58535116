import type { Keyspace, Logger } from '../../ring/index.ts';
import { type LinkPermission, parseLinkRecord } from '../auth/link-record.ts';
import type { LinkStatus } from './coordination.ts';

/** The share links as one node sees them, fed with the changes of the links folder. */
export interface RevocationTracker {
  /** A link record changed: `value` is its JSON, or `null` when the key was deleted. */
  apply(key: string, value: string | null): void;
  isRevoked(linkId: string): boolean;
  /** Keys of the links known live (from the watch or a read). */
  liveKeys(): string[];
  /**
   * What this node knows of `linkId`: live (with its document and permission), revoked, or
   * `unknown` (never seen: ask the service, see `lookup`).
   */
  known(linkId: string): LinkStatus | { readonly state: 'unknown' };
  /**
   * The link's status, reading its record with `read` (a linearizable read) when the watch has
   * not seen it yet (a link created a moment ago). No record at all: `absent`.
   */
  lookup(linkId: string, read: (key: string) => Promise<string | null>): Promise<LinkStatus>;
}

/**
 * A link is live while its record exists and is not `revoked`; it is revoked when its record
 * says so or when its key is deleted, and a revoked link never becomes valid again on this
 * node; `onRevoked` runs once per link. A record that does not parse counts as absent (a
 * warning is logged). Tickets are accepted only for live links (P21), so a link whose record
 * was never written, or was deleted before this node started, is refused too.
 */
export function createRevocationTracker(options: {
  readonly keys: Keyspace;
  readonly log: Logger;
  readonly onRevoked: (linkId: string) => void;
}): RevocationTracker {
  const revoked = new Set<string>();
  const live = new Map<string, { readonly doc: string; readonly perm: LinkPermission }>();
  const tracker: RevocationTracker = {
    apply(key, value) {
      const id = options.keys.parseLinkKey(key);
      if (id === null || revoked.has(id)) return;
      const record = value === null ? null : parseLinkRecord(id, value);
      if (value !== null && !record) {
        options.log.warn('ignoring a link record that does not parse', { key });
        return;
      }
      if (record && !record.revoked) {
        live.set(id, { doc: record.doc, perm: record.perm });
        return;
      }
      live.delete(id);
      revoked.add(id);
      options.onRevoked(id);
    },
    isRevoked: (id) => revoked.has(id),
    liveKeys: () => [...live.keys()].map((id) => options.keys.linkKey(id)),
    known(id) {
      if (revoked.has(id)) return { state: 'revoked' };
      const link = live.get(id);
      return link ? { state: 'live', ...link } : { state: 'unknown' };
    },
    async lookup(id, read) {
      const first = tracker.known(id);
      if (first.state !== 'unknown') return first;
      let key: string;
      try {
        key = options.keys.linkKey(id);
      } catch {
        return { state: 'absent' };
      }
      const value = await read(key);
      if (value !== null) tracker.apply(key, value);
      const after = tracker.known(id);
      return after.state === 'unknown' ? { state: 'absent' } : after;
    },
  };
  return tracker;
}
