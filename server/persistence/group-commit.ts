import { systemClock } from '../clock.ts';
/**
 * Per-key ordered work with group commit (DESIGN N2): items are batched and committed once per
 * batch; tasks (load, compact, delete…) run between batches in call order. Nothing of one key
 * ever overlaps; different keys run in parallel.
 */
export interface GroupCommit<T> {
  /**
   * Queues `item` under `key`. Resolves once a `commit` containing it resolved; rejects with
   * that commit's error. Items queued while a commit of the key is in flight go together
   * into the next commit, which starts as soon as the current one settles.
   */
  add(key: string, item: T): Promise<void>;
  /**
   * Runs `task` once every item and task queued before it under `key` has settled; items and
   * tasks queued after it wait for it. Starts without waiting for the batching delay.
   */
  run<R>(key: string, task: () => Promise<R>): Promise<R>;
  /** Starts what is pending for `key` now; resolves when `key` is idle. Never rejects. */
  flush(key: string): Promise<void>;
  /** `flush` for every key. */
  flushAll(): Promise<void>;
  /** True while `key` has items or tasks queued or running. */
  busy(key: string): boolean;
}

export interface GroupCommitOptions<T> {
  /** How long the first item of an idle key waits for company before its batch is committed. */
  readonly delayMs: number;
  /** Schedules the shared timer (default: the system clock); returns a cancel function. */
  readonly after?: (ms: number, fn: () => void) => () => void;
  /**
   * Makes `items` durable; never called twice at once for one key. It may refuse single items
   * by resolving with one entry per item: an error for a refused item (its `add` rejects with
   * it), `undefined` for a committed one.
   */
  readonly commit: (key: string, items: readonly T[]) => Promise<undefined | readonly unknown[]>;
}

interface ItemEntry<T> {
  readonly kind: 'item';
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface TaskEntry {
  readonly kind: 'task';
  /** Runs the task and settles its caller's promise; never rejects. */
  readonly run: () => Promise<void>;
}

type Entry<T> = ItemEntry<T> | TaskEntry;

/**
 * Group commit: one shared timer collects the first items of idle keys for `delayMs`, then
 * every ready key drains its own queue in a loop (one `commit` per run of consecutive items).
 */
export function createGroupCommit<T>(options: GroupCommitOptions<T>): GroupCommit<T> {
  const pending = new Map<string, Entry<T>[]>();
  const running = new Map<string, Promise<void>>();
  const ready = new Set<string>();
  let timer: (() => void) | null = null;
  const after = options.after ?? systemClock().after;

  const fire = () => {
    timer = null;
    const keys = [...ready];
    ready.clear();
    for (const key of keys) void start(key);
  };

  const enqueue = (key: string, entry: Entry<T>): void => {
    const list = pending.get(key);
    if (list) list.push(entry);
    else pending.set(key, [entry]);
  };

  const start = (key: string): Promise<void> => {
    ready.delete(key);
    const existing = running.get(key);
    if (existing) return existing;
    if (!pending.get(key)?.length) return Promise.resolve();
    const loop = drain(key);
    running.set(key, loop);
    return loop;
  };

  const drain = async (key: string): Promise<void> => {
    await null;
    for (;;) {
      const queue = pending.get(key);
      const head = queue?.[0];
      if (!queue || !head) {
        pending.delete(key);
        running.delete(key);
        return;
      }
      if (head.kind === 'task') {
        queue.shift();
        await head.run();
        continue;
      }
      const end = queue.findIndex((entry) => entry.kind === 'task');
      const batch = queue.splice(0, end === -1 ? queue.length : end) as ItemEntry<T>[];
      try {
        const refused = await options.commit(
          key,
          batch.map((entry) => entry.item),
        );
        batch.forEach((entry, i) => {
          const error = refused?.[i];
          if (error === undefined) entry.resolve();
          else entry.reject(error);
        });
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  };

  return {
    add(key, item) {
      return new Promise<void>((resolve, reject) => {
        enqueue(key, { kind: 'item', item, resolve, reject });
        if (!running.has(key)) {
          ready.add(key);
          timer ??= after(options.delayMs, fire);
        }
      });
    },
    run<R>(key: string, task: () => Promise<R>): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        enqueue(key, {
          kind: 'task',
          run: async () => {
            try {
              resolve(await task());
            } catch (error) {
              reject(error);
            }
          },
        });
        void start(key);
      });
    },
    flush: (key) => start(key),
    async flushAll() {
      if (timer !== null) {
        timer();
        timer = null;
      }
      const keys = new Set([...ready, ...pending.keys(), ...running.keys()]);
      await Promise.all([...keys].map((key) => start(key)));
    },
    busy: (key) => running.has(key) || (pending.get(key)?.length ?? 0) > 0,
  };
}
