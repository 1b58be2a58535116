import { Worker } from 'node:worker_threads';
import type { Logger } from './types.ts';

export interface KeepaliveThreadOptions {
  /** etcd client URLs (`http://host:port`), tried in turn after a failure. */
  readonly endpoints: readonly string[];
  /** The lease to keep alive (decimal id, as etcd3 returns it). */
  readonly leaseId: string;
  /** One keepalive every `intervalMs`, at most 3 in flight. */
  readonly intervalMs: number;
  /** An attempt with no answer after `timeoutMs` failed. */
  readonly timeoutMs: number;
  readonly log: Logger;
  /** etcd said the lease is gone (TTL 0); the thread has stopped. Called at most once. */
  readonly onLost: () => void;
}

/** The newest keepalive the thread saw acknowledged. */
export interface KeepaliveAck {
  /** When it was sent, wall-clock ms (`performance.timeOrigin + performance.now()`). */
  readonly sentAt: number;
  /** The TTL etcd reported with it, in seconds. */
  readonly ttlSeconds: number;
}

/** A lease kept alive from a worker thread (one per lease: a new lease gets a new thread). */
export interface KeepaliveThread {
  /** Read from shared memory, so it is current even while this thread has not run for a while. */
  lastAcknowledged(): KeepaliveAck | null;
  /** Stops the thread; nothing it does afterwards is seen. Idempotent. */
  stop(): Promise<void>;
}

const WORKER = new URL('./keepalive-worker.mjs', import.meta.url);

/**
 * Keeps a lease alive from a worker thread, through etcd's JSON gateway
 * (`POST /v3/lease/keepalive`), so that a saturated main thread does not let its own lease age.
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
  const shared = new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
  const acknowledged = new BigInt64Array(shared);
  const worker = new Worker(WORKER, {
    workerData: {
      endpoints: [...options.endpoints],
      leaseId: options.leaseId,
      intervalMs: options.intervalMs,
      timeoutMs: options.timeoutMs,
      shared,
    },
    // Only Node itself is needed (see keepalive-worker.mjs): no loader, no inherited flags.
    execArgv: [],
    env: {},
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  let stopped = false;
  let lastFailure = '';
  worker.on('message', (message: { type: string; endpoint?: string; error?: string }) => {
    if (stopped) return;
    if (message.type === 'lost') {
      stopped = true;
      void worker.terminate();
      options.onLost();
    } else if (message.type === 'failed') {
      // One line per change of reason, not one per attempt.
      const reason = `${message.endpoint}: ${message.error}`;
      if (reason !== lastFailure) options.log.debug('keepalive thread attempt failed', { reason });
      lastFailure = reason;
    }
  });
  worker.on('error', (error) => {
    if (!stopped) options.log.warn('keepalive thread stopped', { error: error.message });
  });
  return {
    lastAcknowledged() {
      if (stopped) return null;
      const sentAt = Number(Atomics.load(acknowledged, 0));
      if (sentAt === 0) return null;
      return { sentAt, ttlSeconds: Number(Atomics.load(acknowledged, 1)) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await worker.terminate();
    },
  };
}
