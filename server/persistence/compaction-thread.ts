import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import { mergeUpdatesInTurns } from './merge-updates.ts';
import { type ByteRange, nodeStoreFs } from './store-fs.ts';

/** What a journal compaction does besides bookkeeping: read stored updates back, merge them. */
export interface CompactionWork {
  /** The bytes of each range of the file at `path`, in order (a journal segment's entries). */
  read(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
  /** The same merged update as `mergeUpdates(updates)`; rejects when Yjs cannot decode one. */
  merge(updates: readonly Uint8Array[]): Promise<Uint8Array>;
}

/** Compaction work on a worker thread. */
export interface CompactionThread extends CompactionWork {
  /** Stops the thread; work in flight and later work goes to `fallback`. Idempotent. */
  stop(): Promise<void>;
}

export interface CompactionThreadOptions {
  readonly log: Logger;
  /**
   * Does the work once the thread has failed or stopped (default: the event loop's, as before
   * the thread existed: `readRanges` of the real file system, `mergeUpdatesInTurns`).
   */
  readonly fallback?: CompactionWork;
  /**
   * How much nicer than the process the thread runs (default `COMPACTION_NICE_OFFSET`; at
   * most nice 19): when the event loop and the thread both want the core, the event loop gets
   * most of it.
   */
  readonly niceOffset?: number;
}

/**
 * Compactions are background work: 10 nice levels below the event loop, Linux's scheduler gives
 * the thread about a tenth of a core they both want (CFS weights: each level is ×1.25), never
 * none, and the whole of an idle one. Probe (issue 14; one node pinned to one core at nice -10
 * as the benchmark runs it, 60 s at 38,054 updates/s, then 1-s windows at 2,000/s): at the
 * process's own priority the thread kept up with the burst, taking its equal share of the core
 * from clients' messages during it, and the windows' p99 was 1.8–3.8 ms from the first; 15
 * levels nicer it was done 7 windows later (p99 at most 6.4 ms from the third on); 20 levels
 * nicer it was still catching up 12 windows later (p99 6.7–9 ms). Ten is between the two: the
 * clients' messages first, and enough of the core that a burst's compactions end soon after it.
 */
export const COMPACTION_NICE_OFFSET = 10;

/** The event loop's own compaction work (`fs`'s reads, merges in turns of the event loop). */
export function compactionOnEventLoop(
  readRanges: CompactionWork['read'] = nodeStoreFs.readRanges,
): CompactionWork {
  return { read: readRanges, merge: (updates) => mergeUpdatesInTurns(updates) };
}

const WORKER = new URL('./compaction-worker.mjs', import.meta.url);

interface Pending {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
  /** Settles the same promise with the same work done by `fallback`. */
  readonly redo: () => void;
}

interface Reply {
  readonly id: number;
  readonly packed?: ArrayBuffer;
  readonly ends?: readonly number[];
  readonly error?: string;
  readonly code?: string;
}

/**
 * Starts a worker thread for the journal's compactions: it reads a document's entries back from
 * their segments (one `pread` each) and merges them (`Y.mergeUpdates` in bounded fan-in groups).
 *
 * Why (issue 14): after a burst a node compacts for seconds. On the event loop each entry read
 * was a promise and a round trip through libuv's pool (a document's entries are scattered over
 * its segments, one read each: half the busy time of one node's event loop after a minute at
 * 32,000 updates/s, measured with a CPU profile), and each merge built every struct of a
 * document in the event loop's heap, which made its scavenges slower. Clients' messages waited
 * for both. On this thread neither happens: the event loop hands over ranges and updates and
 * gets one buffer back (transferred, not copied). The thread is unreferenced while idle, so it
 * never keeps a process alive by itself. Loads still read on the event loop: a client waits for
 * those, and must not queue behind a compaction.
 */
export function startCompactionThread(options: CompactionThreadOptions): CompactionThread {
  const fallback = options.fallback ?? compactionOnEventLoop();
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let gone = false;
  const worker = new Worker(WORKER, {
    execArgv: [],
    workerData: { niceOffset: options.niceOffset ?? COMPACTION_NICE_OFFSET },
  });
  worker.unref();

  /** The thread is gone: what it still had to do is done by `fallback`. */
  const abandon = (reason: string) => {
    if (gone) return;
    gone = true;
    const left = [...pending.values()];
    pending.clear();
    if (left.length > 0 || reason !== 'stopped')
      options.log.warn(`compaction thread ${reason}; compacting on the event loop`, {
        inFlight: left.length,
      });
    for (const p of left) p.redo();
  };

  worker.on('message', (reply: Reply) => {
    if (reply.id === -1) options.log.warn(`compaction thread: ${reply.error}`);
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.packed) p.resolve(reply);
    else p.reject(Object.assign(new Error(reply.error ?? 'failed'), { code: reply.code }));
  });
  worker.on('error', (error) => abandon(`failed (${error.message})`));
  worker.on('exit', (code) => abandon(`exited (code ${code})`));

  /** Sends `request`; the reply, decoded; or, once the thread is gone, `redo`'s result. */
  const call = <T>(
    request: object,
    transfer: ArrayBuffer[],
    decode: (reply: Reply) => T,
    redo: () => Promise<T>,
  ) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, {
        resolve: (reply) => resolve(decode(reply)),
        reject,
        redo: () => redo().then(resolve, reject),
      });
      if (pending.size === 1) worker.ref();
      worker.postMessage({ ...request, id }, transfer);
    });

  return {
    read(path, ranges) {
      if (gone) return fallback.read(path, ranges);
      return call({ op: 'read', path, ranges }, [], unpack, () => fallback.read(path, ranges));
    },
    merge(updates) {
      if (gone) return fallback.merge(updates);
      if (updates.length === 1) return Promise.resolve(updates[0] as Uint8Array);
      const { packed, ends } = pack(updates);
      return call(
        { op: 'merge', packed, ends },
        [packed],
        (reply) => unpack(reply)[0] as Uint8Array,
        () => fallback.merge(updates),
      );
    },
    async stop() {
      abandon('stopped');
      await worker.terminate();
    },
  };
}

/** `updates` end to end in one buffer (transferred, not copied, to the thread), and where each ends. */
function pack(updates: readonly Uint8Array[]): { packed: ArrayBuffer; ends: number[] } {
  const ends: number[] = [];
  let total = 0;
  for (const u of updates) {
    total += u.byteLength;
    ends.push(total);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const u of updates) {
    bytes.set(u, at);
    at += u.byteLength;
  }
  return { packed: bytes.buffer, ends };
}

/** A reply's byte strings: views into its one buffer. */
function unpack(reply: Reply): Uint8Array[] {
  const packed = reply.packed as ArrayBuffer;
  let start = 0;
  return (reply.ends ?? []).map((end) => {
    const view = new Uint8Array(packed, start, end - start);
    start = end;
    return view;
  });
}
