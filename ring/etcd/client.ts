import { ExponentialBackoff, handleWhen, noop, retry } from 'cockatiel';
import { Etcd3, isRecoverableError } from 'etcd3';
import type { Logger } from './types.ts';

export interface EtcdClientOptions {
  /** etcd client URLs, e.g. `['http://127.0.0.1:2379']`. */
  readonly endpoints: readonly string[];
  readonly log: Logger;
  /**
   * Deadline of each unary call attempt, dial included (default 3000 ms). A paused or
   * half-open etcd would otherwise hang a call forever; streams (watch, keepalive) have none.
   */
  readonly dialTimeoutMs?: number;
  /** Attempts per call before it rejects (default 8, ≈ 10 s of backoff 100 ms → 3 s). */
  readonly maxAttempts?: number;
  /** First retry delay (default 100 ms); doubles per attempt with jitter. */
  readonly initialBackoffMs?: number;
  /** Retry delay cap (default 3000 ms). */
  readonly maxBackoffMs?: number;
}

/**
 * Creates an `Etcd3` client whose calls survive etcd outages instead of failing fast.
 *
 * etcd3's default fault handling fails a call after ~35 ms and then opens a 5 s circuit breaker
 * that rejects everything without trying (STACK). Here: no breaker, a global retry with
 * exponential backoff (jittered) on recoverable gRPC errors, a deadline per unary attempt, short
 * gRPC reconnect backoff, gRPC keepalive pings (10 s) so a half-open connection under a watch is
 * noticed, and one warn line per retry
 * (`etcd unreachable at http://127.0.0.1:2379, retrying in 800 ms`). A call still rejects after
 * `maxAttempts`; callers that must never give up (joinCluster, watchers) loop on top.
 * Never throws asynchronously: nothing here can crash the process. Close it with `client.close()`.
 */
export function createEtcdClient(options: EtcdClientOptions): Etcd3 {
  if (options.endpoints.length === 0)
    throw new Error('createEtcdClient needs at least one endpoint');
  const log = options.log;
  const where = options.endpoints.join(',');
  const deadlineMs = options.dialTimeoutMs ?? 3000;
  const backoff = new ExponentialBackoff({
    initialDelay: options.initialBackoffMs ?? 100,
    maxDelay: options.maxBackoffMs ?? 3000,
  });
  const global = retry(handleWhen(isRecoverableError), {
    maxAttempts: options.maxAttempts ?? 8,
    backoff,
  });
  global.onRetry((event) => {
    const error = 'error' in event ? event.error : undefined;
    log.warn(`etcd unreachable at ${where}, retrying in ${Math.round(event.delay)} ms`, {
      attempt: event.attempt,
      error: error instanceof Error ? error.message : String(error),
    });
  });
  global.onGiveUp((event) => {
    const error = 'error' in event ? event.error : undefined;
    log.warn(`etcd unreachable at ${where}, giving up on this call`, {
      error: error instanceof Error ? error.message : String(error),
    });
  });
  return new Etcd3({
    hosts: [...options.endpoints],
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + deadlineMs },
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.use_local_subchannel_pool': 1,
      // Detect half-open connections under a live watch (etcd allows pings every ≥ 5 s).
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5000,
    },
    faultHandling: {
      host: () => noop,
      global,
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 3000 }).next(),
    },
  });
}
