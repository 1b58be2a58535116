import { ClientClosedError, type Etcd3, type IWatchResponse, type Watcher } from 'etcd3';
import { type BackoffOptions, createBackoff, describeError, sleep } from './backoff.ts';
import { type PrefixSnapshot, PrefixState, type PrefixUpdate } from './prefix-state.ts';
import type { Logger } from './types.ts';

export interface PrefixWatchOptions {
  readonly client: Etcd3;
  /** Full key prefix watched, e.g. `/ringdoc/members/`. */
  readonly prefix: string;
  readonly log: Logger;
  /** Name used in log lines, e.g. `members`. */
  readonly label: string;
  /** Called with every published snapshot, in revision order. Exceptions are logged, not thrown. */
  readonly onUpdate: (update: PrefixUpdate) => void;
  /** Retry backoff for lists and watch resumes (default 100 ms → 5 s, jittered). */
  readonly backoff?: BackoffOptions;
}

/** A self-healing list-then-watch view of one prefix. */
export interface PrefixWatch {
  /** Last published snapshot, or `null` before the first successful list. */
  current(): PrefixSnapshot | null;
  /** Resolves with the first snapshot (retrying forever); rejects if closed before. */
  ready(): Promise<PrefixSnapshot>;
  /**
   * Tries to prove the current snapshot is also the state at `revision` (a read of the prefix at
   * that revision equals it, same keys and mod revisions); on success publishes a snapshot with
   * that revision. Resolves whether `current().revision >= revision` afterwards. Never rejects.
   */
  catchUp(revision: number): Promise<boolean>;
  /** Stops watching; pending `ready()` rejects. Does not close the client. */
  close(): Promise<void>;
}

type WatchEnd =
  | { end: 'closed' }
  | { end: 'disconnected' | 'cancelled' | 'client-closed'; error: unknown };

/**
 * Watches one prefix the way DESIGN R5 asks: a linearizable list at revision R publishes the
 * state with revision R, then a watch starts at R + 1 (never at 0).
 *
 * - Watch events are applied in order; each watch response publishes one snapshot whose revision
 *   is the mod revision of its last event.
 * - Disconnected (etcd down, stream broken): the etcd3 watcher is dropped and a new watch resumes
 *   from *our* last applied revision + 1, with backoff. etcd3's own resume is not used: it moves its
 *   resume point to the header revision of the create response before the catch-up events have
 *   arrived, so a disconnect in between would silently skip them.
 * - Cancelled by etcd (its start revision was compacted, or any other cancel): never resume from
 *   the compact revision (that skips events); re-list and publish the diff as one snapshot.
 * - `ClientClosedError`: the client was closed under us; stop with a warning.
 */
export function watchPrefix(options: PrefixWatchOptions): PrefixWatch {
  const { client, prefix, log, label } = options;
  const state = new PrefixState();
  const backoff = createBackoff(options.backoff);
  const abort = new AbortController();
  const inflightCatchUps = new Map<number, Promise<boolean>>();
  let closed = false;
  let listing = false;
  let activeWatcher: Watcher | null = null;
  let resolveReady: (snapshot: PrefixSnapshot) => void = () => {};
  let rejectReady: (error: Error) => void = () => {};
  const readyPromise = new Promise<PrefixSnapshot>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  readyPromise.catch(() => {});

  const publish = (update: PrefixUpdate) => {
    try {
      options.onUpdate(update);
    } catch (error) {
      log.error(`${label} watch listener failed`, { error: describeError(error) });
    }
    resolveReady(update.snapshot);
  };

  const list = async (): Promise<boolean> => {
    listing = true;
    try {
      for (let attempt = 1; !closed; attempt++) {
        try {
          const response = await client.getAll().prefix(prefix).exec();
          if (closed) return false;
          const revision = Number(response.header.revision);
          const update = state.reset(response.kvs, revision);
          backoff.reset();
          log.debug(`${label} listed at revision ${revision}`, { keys: response.kvs.length });
          publish(update);
          return true;
        } catch (error) {
          if (error instanceof ClientClosedError) {
            log.warn(`${label} watch stopped: etcd client closed`);
            return false;
          }
          const wait = backoff.next();
          log.warn(`${label} list failed (attempt ${attempt}), retrying in ${wait} ms`, {
            error: describeError(error),
          });
          await sleep(wait, abort.signal);
        }
      }
      return false;
    } finally {
      listing = false;
    }
  };

  const watchFrom = (from: number) =>
    new Promise<WatchEnd>((resolve) => {
      const watcher = client.watch().prefix(prefix).startRevision(String(from)).watcher();
      activeWatcher = watcher;
      let finished = false;
      const finish = (result: WatchEnd) => {
        if (finished) return;
        finished = true;
        abort.signal.removeEventListener('abort', onAbort);
        if (activeWatcher === watcher) activeWatcher = null;
        resolve(result);
      };
      const onAbort = () => finish({ end: 'closed' });
      abort.signal.addEventListener('abort', onAbort, { once: true });
      watcher.on('connected', () => {
        backoff.reset();
        log.debug(`${label} watching from revision ${from}`);
      });
      watcher.on('data', (response: IWatchResponse) => {
        if (finished) return;
        try {
          const update = state.applyEvents(response.events);
          if (update) publish(update);
        } catch (error) {
          log.error(`${label} watch event handling failed`, { error: describeError(error) });
        }
      });
      watcher.on('disconnected', (error: unknown) => {
        void watcher.cancel().catch(() => {});
        finish({
          end: error instanceof ClientClosedError ? 'client-closed' : 'disconnected',
          error,
        });
      });
      watcher.on('error', (error: unknown) => finish({ end: 'cancelled', error }));
    });

  const run = async () => {
    while (!closed) {
      if (!(await list())) return;
      for (;;) {
        const from = state.applied() + 1;
        const result = await watchFrom(from);
        if (result.end === 'closed') return;
        if (result.end === 'client-closed') {
          log.warn(`${label} watch stopped: etcd client closed`);
          return;
        }
        if (result.end === 'cancelled') {
          log.warn(
            `${label} watch from revision ${from} cancelled by etcd (${cancelReason(result.error)}); re-listing`,
          );
          break;
        }
        const wait = backoff.next();
        log.warn(
          `${label} watch disconnected, resuming from revision ${state.applied() + 1} in ${wait} ms`,
          {
            error: describeError(result.error),
          },
        );
        await sleep(wait, abort.signal);
        if (closed) return;
      }
    }
  };

  const running = run()
    .catch((error) => log.error(`${label} watch loop failed`, { error: describeError(error) }))
    .finally(() => rejectReady(new Error(`${label} watch closed before the first list`)));

  return {
    current: () => state.snapshot(),
    ready: () => readyPromise,
    catchUp(revision) {
      const snapshot = state.snapshot();
      if (snapshot && snapshot.revision >= revision) return Promise.resolve(true);
      if (!snapshot || closed || listing) return Promise.resolve(false);
      const existing = inflightCatchUps.get(revision);
      if (existing) return existing;
      const attempt = (async () => {
        try {
          const response = await client.getAll().prefix(prefix).revision(revision).exec();
          if (closed || listing) return false;
          const update = state.catchUp(response.kvs, revision);
          if (update) {
            log.debug(`${label} caught up to revision ${revision} by read`);
            publish(update);
          }
        } catch (error) {
          log.debug(`${label} catch-up read at revision ${revision} failed`, {
            error: describeError(error),
          });
        } finally {
          inflightCatchUps.delete(revision);
        }
        return (state.snapshot()?.revision ?? 0) >= revision;
      })();
      inflightCatchUps.set(revision, attempt);
      return attempt;
    },
    async close() {
      if (closed) return;
      closed = true;
      const watcher = activeWatcher;
      abort.abort();
      if (watcher) await Promise.race([watcher.cancel().catch(() => {}), sleep(1000)]);
      // A list blocked on an unreachable etcd ends on its own once its call gives up.
      await Promise.race([running, sleep(1000)]);
    },
  };
}

function cancelReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message.replace(/^Watcher canceled:\s*/, '').trim();
  return reason.length === 0 || /compact/i.test(reason) ? 'history compacted' : reason;
}
