import { Worker } from 'node:worker_threads';
import type { Logger } from './types.ts';

export interface KeepaliveThreadOptions {
  /** etcd client URLs (`http://host:port`), tried in turn after a failure. */
  readonly endpoints: readonly string[];
  /** The lease to keep alive (decimal id, as etcd3 returns it). */
  readonly leaseId: string;
  /** One keepalive every `intervalMs`, at most 3 in flight. */
  readonly intervalMs: number;
  /** An attempt with no answer after `timeoutMs` failed (the next tick already uses the next endpoint). */
  readonly timeoutMs: number;
  /**
   * The thread stops renewing once {@link KeepaliveThread.heartbeat} was last called longer ago
   * than this: a hung event loop then loses its lease and the ring drops the member (M4).
   */
  readonly staleAfterMs: number;
  readonly log: Logger;
  /** etcd said the lease is gone (TTL 0); the thread has stopped. Called at most once. */
  readonly onLost: () => void;
}

/** The newest keepalive the thread saw acknowledged. */
export interface KeepaliveAck {
  /** How long ago it was sent, in ms (clock-independent: callers subtract it from their `now`). */
  readonly sentMsAgo: number;
  /** The TTL etcd reported with it, in seconds. */
  readonly ttlSeconds: number;
}

/** A lease kept alive from a worker thread (one per lease: a new lease gets a new thread). */
export interface KeepaliveThread {
  /** Read from shared memory, so it is current even while this thread has not run for a while. */
  lastAcknowledged(): KeepaliveAck | null;
  /** etcd told the thread the lease is gone (shared memory: true before `onLost` runs). */
  lost(): boolean;
  /** This event loop is alive: call it more often than `staleAfterMs`. */
  heartbeat(): void;
  /** Stops the thread; nothing it does afterwards is seen. Idempotent. */
  stop(): Promise<void>;
}

const WORKER = new URL('./keepalive-worker.mjs', import.meta.url);

/**
 * Keeps a lease alive from a worker thread (its own etcd3 client, one gRPC keepalive stream),
 * so that a saturated main thread does not let its own lease age.
 *
 * Why (issue 14's overload row): under twice its sustained rate, one node's event loop ran its
 * timers seconds late (event-loop delay p99 0.6 → 2.4 s over a minute) while etcd, on the same
 * core, answered an outside keepalive in 13–30 ms; the main thread's keepalives were sent too
 * late, the node fenced itself (R6) and closed every client 4503. Its lease was never at risk.
 * The thread's acknowledgements land in a `SharedArrayBuffer` the fence reads directly, without
 * waiting for this thread's event loop; fencing still happens when no keepalive is acknowledged
 * (etcd unreachable, partition), since the thread then writes nothing. The main thread's own
 * keepalives go on beside it (they re-check the record after a fence and notice a lost lease
 * too), so a thread that fails to start only costs the figure above, never safety.
 */
export function startKeepaliveThread(options: KeepaliveThreadOptions): KeepaliveThread {
  const shared = new SharedArrayBuffer(4 * BigInt64Array.BYTES_PER_ELEMENT);
  const slots = new BigInt64Array(shared);
  // The worker shares this process's time origin: both read the same wall clock.
  const wallNow = () => performance.timeOrigin + performance.now();
  const heartbeat = () => Atomics.store(slots, 3, BigInt(Math.floor(wallNow())));
  heartbeat();
  const worker = new Worker(WORKER, {
    workerData: {
      endpoints: options.endpoints.map(withScheme),
      leaseId: options.leaseId,
      intervalMs: options.intervalMs,
      timeoutMs: options.timeoutMs,
      staleAfterMs: options.staleAfterMs,
      shared,
    },
    // Plain JavaScript (see keepalive-worker.mjs): no loader, no inherited flags.
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  let stopped = false;
  let lastFailure = '';
  worker.on('message', (message: { type: string; error?: string }) => {
    if (stopped) return;
    if (message.type === 'lost') {
      stopped = true;
      void worker.terminate();
      options.onLost();
    } else if (message.type === 'stale') {
      options.log.warn(
        `event loop silent for more than ${options.staleAfterMs} ms: the keepalive thread stops renewing lease ${options.leaseId}`,
      );
    } else if (message.type === 'failed') {
      // One line per change of reason, not one per attempt.
      const reason = message.error ?? 'unknown';
      if (reason !== lastFailure) options.log.debug('keepalive thread attempt failed', { reason });
      lastFailure = reason;
    }
  });
  worker.on('error', (error) => {
    if (!stopped) options.log.warn('keepalive thread failed', { error: error.message });
  });
  worker.on('exit', (code) => {
    if (stopped) return;
    stopped = true;
    options.log.warn(
      `keepalive thread exited (code ${code}); keepalives continue from the event loop only`,
    );
  });
  return {
    lastAcknowledged() {
      if (stopped) return null;
      const sentAt = Number(Atomics.load(slots, 0));
      const ttlSeconds = Number(Atomics.load(slots, 1));
      if (sentAt === 0 || ttlSeconds <= 0) return null;
      return { sentMsAgo: Math.max(0, wallNow() - sentAt), ttlSeconds };
    },
    lost: () => Atomics.load(slots, 2) !== 0n,
    heartbeat,
    async stop() {
      if (stopped) return;
      stopped = true;
      await worker.terminate();
    },
  };
}

/** `127.0.0.1:2379` (etcd3 accepts it without a scheme) as `http://127.0.0.1:2379`. */
function withScheme(endpoint: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
}
