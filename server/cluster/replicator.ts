import { routingKey } from '../../ring/core/routing-key.ts';
import type { RingView } from '../../ring/etcd/types.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { mergeUpdates } from '../persistence/merge-updates.ts';
import type { PeerPool } from './peer-client.ts';
import { holdersOf, type Target } from './targets.ts';

/** `local`: ack after the local fsync; `replica`: also after one other holder stored it (N3). */
export type Durability = 'local' | 'replica';

export interface ReplicatorOptions {
  readonly selfId: string;
  readonly view: () => RingView | null;
  readonly pool: PeerPool;
  readonly log: Logger;
  readonly clock: Clock;
  /** Copies per document, owner included (default 2). */
  readonly replicas: number;
  readonly durability: Durability;
  /** How long to keep retrying before the write counts as failed (default 15 s). */
  readonly deadlineMs?: number;
  /**
   * How long the holders may take before the next member of the preference list is sent a
   * copy too (P31; default 1 000 ms; a holder that refuses at once triggers it at once).
   */
  readonly fallbackMs?: number;
  /**
   * The replication commit window: every update of a document issued within one window goes to
   * its holders as one merged PUSH and shares one promise, so its acknowledgements are released
   * together. Omitted: the current turn of the event loop (flushed by `setImmediate`, right after
   * the sockets read in this turn, adding no timer delay); a number: `clock.after(windowMs)`.
   */
  readonly windowMs?: number;
}

export type Replicate = (docId: string, generation: string, update: Uint8Array) => Promise<void>;

/** The updates of one document issued within one replication window. */
interface Batch {
  readonly docId: string;
  readonly generation: string;
  readonly updates: Uint8Array[];
  readonly done: Promise<void>;
  settle(outcome: Promise<void>): void;
}

const SETTLED: Promise<void> = Promise.resolve();

/** A view and the holders a push goes to under it. */
interface Known {
  readonly view: RingView;
  readonly targets: readonly Target[];
}

/**
 * Streams the durable updates of each document to its other holders (DESIGN N3): the rest of
 * the preference list, or the new owner and replicas while this node is no longer the owner
 * (the tail of a move, M3). Updates are batched per commit window (`windowMs`): a document's
 * updates of one window go as one merged PUSH (`mergeUpdates`; one update goes as is) and
 * every call of that window gets the same promise. With `replica` durability it resolves once
 * one other holder has the whole batch durably; on failure the batch re-resolves the holders
 * from the current view and retries with backoff until the deadline, then rejects (the room
 * faults, nothing is acked). With `local` durability it resolves at once.
 */
export function createReplicator(options: ReplicatorOptions): Replicate {
  const deadlineMs = options.deadlineMs ?? 15_000;
  const fallbackMs = options.fallbackMs ?? 1000;
  /** The holders a push of `docId` goes to under `view`. */
  const targetsOf = (view: RingView, docId: string, fallback: boolean) => {
    // P31: a holder that is not the owner (provisional, or the tail of a move, M3) also sends
    // to the next member, as does any holder once the others did not confirm in time: a dead
    // or paused holder must not hold acknowledgements until its lease expires.
    const owner = view.ring.ownerOf(routingKey(docId));
    const extra = fallback || owner !== options.selfId ? 1 : 0;
    // P34: a holder past the R-th place (the owner and the first provisional holder lost)
    // also reaches the member after itself, so one live node besides it can confirm.
    const place =
      owner === options.selfId
        ? -1
        : view.ring.preferenceList(routingKey(docId), options.replicas + 3).indexOf(options.selfId);
    const count = Math.max(options.replicas + extra, place + 2);
    return holdersOf(view, docId, count, options.selfId);
  };

  /** `known`: the view and first-push targets the caller resolved in this same turn. */
  const pushOnce = async (
    docId: string,
    generation: string,
    update: Uint8Array,
    fallback: boolean,
    known?: Known,
  ): Promise<boolean> => {
    const view = known?.view ?? options.view();
    if (!view) return false;
    const targets = known?.targets ?? targetsOf(view, docId, fallback);
    if (targets.length === 0) return true;
    const results = targets.map((t) =>
      options.pool
        .request(
          t.internalUrl,
          { kind: 'push', docId, generation, role: 'replicate', update },
          view.epoch,
        )
        .then((r) => r.status === 'ok'),
    );
    return new Promise<boolean>((resolve) => {
      let failures = 0;
      for (const r of results) {
        r.then(
          (ok) => {
            if (ok) resolve(true);
            else if (++failures === results.length) resolve(false);
          },
          () => {
            if (++failures === results.length) resolve(false);
          },
        );
      }
    });
  };

  /**
   * The first push, and the fallback push (P31) once the first failed or `fallbackMs`
   * passed: true as soon as either succeeds, false once both failed.
   */
  const firstOrFallback = (first: Promise<boolean>, fallback: () => Promise<boolean>) =>
    new Promise<boolean>((resolve) => {
      let done = false;
      let started = false;
      let pending = 1;
      const finish = (ok: boolean) => {
        done = true;
        cancel();
        resolve(ok);
      };
      const onResult = (ok: boolean) => {
        if (done) return;
        if (ok) return finish(true);
        pending--;
        if (!started) startFallback();
        else if (pending === 0) finish(false);
      };
      const startFallback = () => {
        if (done || started) return;
        started = true;
        pending++;
        fallback().then(onResult, () => onResult(false));
      };
      const cancel = options.clock.after(fallbackMs, startFallback);
      first.then(onResult, () => onResult(false));
    });

  /** Sends one batch (already merged) until a holder confirmed it, or the deadline passed. */
  const send = async (
    docId: string,
    generation: string,
    update: Uint8Array,
    known?: Known,
  ): Promise<void> => {
    const started = options.clock.now();
    let delay = 100;
    const first = pushOnce(docId, generation, update, false, known);
    if (options.durability === 'local') {
      first.then(
        (ok) => {
          if (!ok)
            options.log.warn('replication failed (durability local: not retried)', { docId });
        },
        () => {},
      );
      return;
    }
    if (await firstOrFallback(first, () => pushOnce(docId, generation, update, true))) return;
    for (;;) {
      if (options.clock.now() - started > deadlineMs) {
        throw new Error(`no replica of ${docId} acknowledged within ${deadlineMs} ms`);
      }
      await options.clock.sleep(delay);
      delay = Math.min(delay * 2, 2000);
      if (await pushOnce(docId, generation, update, true)) return;
    }
  };

  /**
   * One update for the whole batch: merged when there are several (they were validated), at a
   * cost linear in their number (`mergeUpdates`: one Yjs call over a whole window is quadratic).
   */
  const mergedOf = (batch: Batch): Uint8Array => mergeUpdates(batch.updates);

  const windowMs = options.windowMs;
  const schedule = (flushNow: () => void) => {
    if (windowMs === undefined) setImmediate(flushNow);
    else options.clock.after(windowMs, flushNow);
  };
  /** The open window's batches, by generation and document id. */
  let open = new Map<string, Batch>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batches = open;
    open = new Map();
    const view = options.view();
    for (const batch of batches.values()) {
      // The first push's targets, resolved once here: with nobody to send to (a one-node
      // cluster) that push would succeed at once, so the batch is settled without merging it.
      const known = view ? { view, targets: targetsOf(view, batch.docId, false) } : undefined;
      if (known?.targets.length === 0) {
        batch.settle(SETTLED);
        continue;
      }
      let update: Uint8Array;
      try {
        update = mergedOf(batch);
      } catch (error) {
        batch.settle(Promise.reject(error));
        continue;
      }
      batch.settle(send(batch.docId, batch.generation, update, known));
    }
  };

  return (docId, generation, update) => {
    const key = `${generation}\n${docId}`;
    let batch = open.get(key);
    if (!batch) {
      let settle: (outcome: Promise<void>) => void = () => {};
      const done = new Promise<void>((resolve) => {
        settle = resolve;
      });
      batch = { docId, generation, updates: [], done, settle };
      open.set(key, batch);
      // nobody need wait with local durability, but the promise is still caught
      done.catch(() => {});
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    }
    batch.updates.push(update);
    return options.durability === 'local' ? SETTLED : batch.done;
  };
}
