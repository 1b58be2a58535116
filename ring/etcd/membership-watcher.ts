import type { Etcd3 } from 'etcd3';
import { createRing } from '../core/ring.ts';
import type { Ring } from '../core/types.ts';
import type { BackoffOptions } from './backoff.ts';
import { createKeyspace, DEFAULT_PREFIX } from './keys.ts';
import { parseMemberRecord } from './member-codec.ts';
import type { MemberRecord } from './member-record.ts';
import type { PrefixEntry, PrefixUpdate } from './prefix-state.ts';
import { watchPrefix } from './prefix-watch.ts';
import type { Logger, MembershipWatcher, RingView } from './types.ts';

export interface WatchMembersOptions {
  readonly client: Etcd3;
  /** Key prefix (default `/ringdoc/`). */
  readonly prefix?: string;
  readonly log: Logger;
  /** Virtual nodes per member of the rings built (default: the ring core's default). */
  readonly vnodes?: number;
  /** Retry backoff for lists and watch resumes (default 100 ms → 5 s, jittered). */
  readonly backoff?: BackoffOptions;
}

/** Views an async iterator buffers for a slow consumer before it skips to the newest. */
const ITERATOR_BUFFER = 256;

/**
 * A live view of `<prefix>members/` (DESIGN R4, R5): list at revision R gives the view with epoch
 * R, then a watch from R + 1; every watch response gives a new view whose epoch is the mod
 * revision of its last event. A watch cancelled by compaction re-lists and publishes the diff as
 * one view; a disconnect resumes from the last applied revision (see `watchPrefix`).
 *
 * The ring holds the `active` members only; `members` holds every parsable record. A record that
 * fails to parse (bad JSON, id/key mismatch, bad URL/state/protocol) is left out with one warning
 * per written value; the watcher keeps running. Listener exceptions are logged and swallowed.
 *
 * `waitForEpoch(e)` resolves `true` as soon as `current().epoch >= e`. If the watch has not
 * delivered epoch `e` yet, it reads the members at revision `e`: when that equals the current
 * view (same keys, same mod revisions), the view is re-published with epoch `e` at once, so a node
 * that listed later than a change is not made to wait for an event that will never come (C3).
 */
export function watchMembers(options: WatchMembersOptions): MembershipWatcher {
  const { log } = options;
  const keys = createKeyspace(options.prefix ?? DEFAULT_PREFIX);
  const ringOptions = options.vnodes === undefined ? {} : { vnodes: options.vnodes };
  const parsed = new Map<string, { modRevision: number; record: MemberRecord | null }>();
  const listeners = new Set<(view: RingView, previous: RingView | null) => void>();
  let view: RingView | null = null;
  let closed = false;

  const parseEntry = (entry: PrefixEntry): MemberRecord | null => {
    const cached = parsed.get(entry.key);
    if (cached && cached.modRevision === entry.modRevision) return cached.record;
    let record: MemberRecord | null = null;
    if (keys.parseMemberKey(entry.key) === null) {
      log.warn(`skipping key ${entry.key}: not a member key`, { modRevision: entry.modRevision });
    } else {
      const result = parseMemberRecord(entry.key, entry.value);
      if (result instanceof Error) {
        log.warn(`skipping unparsable member record at ${entry.key}: ${result.message}`, {
          modRevision: entry.modRevision,
        });
      } else {
        record = result;
      }
    }
    parsed.set(entry.key, { modRevision: entry.modRevision, record });
    return record;
  };

  const onUpdate = (update: PrefixUpdate) => {
    for (const key of update.changed) if (!update.snapshot.entries.has(key)) parsed.delete(key);
    const records: MemberRecord[] = [];
    for (const entry of update.snapshot.entries.values()) {
      const record = parseEntry(entry);
      if (record) records.push(record);
    }
    records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const members = new Map(records.map((r) => [r.id, r] as const));
    const active = records.filter((r) => r.state === 'active').map((r) => r.id);
    const previous = view;
    const ring =
      previous && sameIds(previous.ring.members, active) ? previous.ring : buildRing(active);
    const next: RingView = Object.freeze({ ring, epoch: update.snapshot.revision, members });
    view = next;
    if (update.cause === 'list' && previous !== null) {
      const added = [...members.keys()].filter((id) => !previous.members.has(id));
      const removed = [...previous.members.keys()].filter((id) => !members.has(id));
      log.info(`members re-listed at revision ${next.epoch}`, { added, removed });
    }
    for (const listener of [...listeners]) {
      try {
        listener(next, previous);
      } catch (error) {
        log.error('membership listener failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };

  const buildRing = (ids: readonly string[]): Ring => createRing(ids, ringOptions);

  const watch = watchPrefix({
    client: options.client,
    prefix: keys.membersPrefix,
    log,
    label: 'members',
    onUpdate,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });

  const subscribe = (listener: (view: RingView, previous: RingView | null) => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };

  const closeWaiters = new Set<() => void>();

  return {
    current: () => view,
    async ready() {
      await watch.ready();
      if (view === null) throw new Error('membership watcher closed');
      return view;
    },
    waitForEpoch(epoch, timeoutMs) {
      if (view && view.epoch >= epoch) return Promise.resolve(true);
      if (closed) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        let settled = false;
        const settle = (value: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          unsubscribe();
          closeWaiters.delete(onClose);
          resolve(value);
        };
        const onClose = () => settle(false);
        const timer = setTimeout(() => settle(false), Math.max(0, timeoutMs));
        const unsubscribe = subscribe((next) => {
          if (next.epoch >= epoch) settle(true);
        });
        closeWaiters.add(onClose);
        void (async () => {
          if (view === null) await watch.ready().catch(() => {});
          if (!settled && (await watch.catchUp(epoch))) settle(true);
        })();
      });
    },
    onChange: subscribe,
    [Symbol.asyncIterator]() {
      const queue: RingView[] = view ? [view] : [];
      let wake: (() => void) | null = null;
      let done = false;
      const unsubscribe = subscribe((next) => {
        queue.push(next);
        if (queue.length > ITERATOR_BUFFER) queue.splice(0, queue.length - ITERATOR_BUFFER);
        wake?.();
      });
      const stop = () => {
        done = true;
        unsubscribe();
        closeWaiters.delete(stop);
        wake?.();
      };
      closeWaiters.add(stop);
      return {
        async next(): Promise<IteratorResult<RingView>> {
          for (;;) {
            const item = queue.shift();
            if (item) return { value: item, done: false };
            if (done) return { value: undefined, done: true };
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = null;
          }
        },
        async return(): Promise<IteratorResult<RingView>> {
          stop();
          queue.length = 0;
          return { value: undefined, done: true };
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const waiter of [...closeWaiters]) waiter();
      listeners.clear();
      await watch.close();
    },
  };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
