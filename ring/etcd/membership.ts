import { type Etcd3, EtcdLeaseInvalidError, type Lease } from 'etcd3';
import { type BackoffOptions, createBackoff, describeError, sleep } from './backoff.ts';
import { createFenceClock } from './fence.ts';
import { type KeepaliveThread, startKeepaliveThread } from './keepalive-thread.ts';
import { createKeyspace, DEFAULT_PREFIX } from './keys.ts';
import { encodeMemberRecord, sameMemberRecord } from './member-codec.ts';
import type { MemberRecord, MemberState } from './member-record.ts';
import type { Logger, Membership } from './types.ts';

export interface JoinClusterOptions {
  readonly client: Etcd3;
  /** Key prefix (default `/ringdoc/`). */
  readonly prefix?: string;
  /** The record to register; its `id` names the key `<prefix>members/<id>`. */
  readonly record: MemberRecord;
  /** Lease TTL in seconds (default 5; raised to etcd's minimum of 2). */
  readonly ttlSeconds?: number;
  readonly log: Logger;
  /** Clock for fencing decisions (default `Date.now`). */
  readonly now?: () => number;
  /** Registration retry backoff (default 200 ms → 5 s, jittered). */
  readonly backoff?: BackoffOptions;
  /** Aborting stops a `joinCluster` that has not registered yet (it then rejects). */
  readonly signal?: AbortSignal;
  /**
   * Also keep the lease alive from a worker thread through these etcd endpoints (see
   * `keepalive-thread.ts`): a saturated event loop then cannot fence the member by sending its
   * keepalives late. Its acknowledgements reach the fence as ages, measured against `now`
   * (any clock running at real speed; not simulated time).
   */
  readonly keepaliveThread?: {
    readonly endpoints: readonly string[];
    /**
     * The thread stops renewing once this process did no work for this long (default max(3 TTL,
     * 10 s)): no `isFenced()` call and no fence-check timer. For tests.
     */
    readonly staleAfterMs?: number;
  };
}

/** Another live process holds `<prefix>members/<id>` with its own lease. */
export class MemberIdTakenError extends Error {
  override readonly name = 'MemberIdTakenError';
  constructor(
    readonly id: string,
    readonly lease: string,
  ) {
    super(
      `member id ${id} is registered by another process (lease ${lease}); waiting for it to expire`,
    );
  }
}

const MAX_KEEPALIVES_IN_FLIGHT = 3;

/**
 * Registers this process as a cluster member (DESIGN R6, M1, M2) and keeps it registered.
 *
 * Registration: grant a lease (TTL ≥ 2 s), write the record with it, confirm with one keepalive.
 * The write is a transaction that only takes the key when it is absent, unleased, or held by a
 * lease this process granted: a second live process with the same id is refused (logged, retried
 * until its lease expires) instead of silently stealing the key. Resolves once registered; while
 * etcd is unreachable it keeps retrying with backoff and one warn line per attempt, and never
 * rejects (except when `signal` aborts or the record is invalid).
 *
 * Keepalives are driven here, one `lease.keepaliveOnce()` every TTL/3 with a TTL deadline,
 * rather than by etcd3's automatic keepalive: fencing needs the *send* time of the last
 * acknowledged keepalive (see `fence.ts`), while etcd3 only stamps receipt times, notices a
 * silent (paused) etcd only after a full TTL and reports `lost` after 2×TTL by local guess.
 * With `keepaliveThread`, a worker thread sends keepalives too and its acknowledgements count
 * for the fence as soon as they arrive (shared memory), however late this event loop runs; this
 * loop then skips its own keepalive while the thread's last one is younger than the interval (so
 * etcd sees about one per interval), and the thread stops renewing once this loop has not beaten
 * its heartbeat for max(3 TTL, 10 s): a hung process still loses its lease (M4). The heartbeat
 * is beaten by every fence check: the 100-ms timer and every `isFenced()` call (the session
 * asks before each client update), so a loop whose timers are starved while it works through
 * a backlog of socket reads (libuv polls up to 48 × 1,024 ready sockets per turn) is alive.
 *
 * Fencing: `isFenced()` is true before registration, after `leave()`, and whenever the last
 * acknowledged keepalive was sent more than TTL − 1 s ago: at least 1 s before etcd can expire
 * the lease. When keepalives are acknowledged again the record is checked (and rewritten if it
 * is missing or stale) before unfencing. When etcd reports the lease gone (keepalive TTL 0, or a
 * write rejected for an invalid lease) a new lease is granted and the record (same state)
 * re-registered, fenced until done. `onFenceChange` listeners hear every transition.
 *
 * `setState` rewrites the record with the current lease; if the lease was lost it waits for
 * re-registration (which writes the new state). It rejects when etcd stays unreachable past the
 * client's retries. `leave()` stops keepalives and revokes the lease so the record disappears at
 * once; it never rejects and waits at most one TTL (if etcd is unreachable the record expires with
 * the lease).
 */
export async function joinCluster(options: JoinClusterOptions): Promise<Membership> {
  const { client, log } = options;
  const now = options.now ?? Date.now;
  const keys = createKeyspace(options.prefix ?? DEFAULT_PREFIX);
  const key = keys.memberKey(options.record.id);
  encodeMemberRecord(options.record);
  const ttl = Math.max(2, Math.ceil(options.ttlSeconds ?? 5));
  const ttlMs = ttl * 1000;
  const fence = createFenceClock(ttl, now);
  const keepaliveIntervalMs = Math.max(100, Math.floor(ttlMs / 3));
  const listeners = new Set<(fenced: boolean) => void>();
  const ownLeases = new Set<string>();
  const stopSignal = new AbortController();

  let desired: MemberRecord = options.record;
  let written: { record: MemberRecord; lease: string } | null = null;
  let lease: Lease | null = null;
  let leaseId: string | null = null;
  let registered = false;
  let needsVerify = false;
  let verifying = false;
  let left = false;
  let reRegistering: Promise<void> | null = null;
  let reported = true;
  let inFlight = 0;
  let thread: KeepaliveThread | null = null;
  let writeChain: Promise<unknown> = Promise.resolve();

  /**
   * Takes in what the keepalive thread saw acknowledged (shared memory: always current), as an
   * age on this member's own clock. True when the thread learned that the lease is gone.
   */
  const pullThread = (): boolean => {
    if (!thread) return false;
    // every fence check is a sign of life: this process is doing work (see above)
    thread.heartbeat();
    if (thread.lost()) return true;
    const ack = thread.lastAcknowledged();
    if (ack) fence.acknowledged(now() - ack.sentMsAgo, ack.ttlSeconds);
    return false;
  };

  const computeFenced = () => {
    const leaseGone = pullThread();
    return left || !registered || needsVerify || leaseGone || fence.isFenced();
  };

  const stopThread = () => {
    const stopping = thread;
    thread = null;
    return stopping?.stop() ?? Promise.resolve();
  };

  const startThread = (id: string) => {
    void stopThread();
    if (!options.keepaliveThread) return;
    try {
      thread = startKeepaliveThread({
        endpoints: options.keepaliveThread.endpoints,
        leaseId: id,
        intervalMs: keepaliveIntervalMs,
        timeoutMs: ttlMs,
        // A hung event loop must not hold its documents forever (M4): past this, the lease expires.
        staleAfterMs: options.keepaliveThread.staleAfterMs ?? Math.max(3 * ttlMs, 10_000),
        log,
        onLost: () => {
          if (leaseId === id) onLeaseLost(new EtcdLeaseInvalidError(id));
        },
      });
    } catch (error) {
      log.warn('keepalive thread not started; keepalives run on the main thread only', {
        error: describeError(error),
      });
    }
  };

  const evaluateFence = () => {
    if (pullThread()) {
      onLeaseLost(new EtcdLeaseInvalidError(leaseId ?? 'unknown'));
      return;
    }
    if (registered && !left && !needsVerify && fence.isFenced()) {
      needsVerify = true;
      log.warn(
        `member ${desired.id} fenced: last acknowledged keepalive sent ${fence.ackAgeMs()} ms ago`,
        {
          thresholdMs: fence.thresholdMs(),
        },
      );
    }
    const fenced = computeFenced();
    if (fenced === reported) return;
    reported = fenced;
    if (!fenced) log.info(`member ${desired.id} unfenced`, { lease: leaseId });
    for (const listener of [...listeners]) {
      try {
        listener(fenced);
      } catch (error) {
        log.error('fence listener failed', { error: describeError(error) });
      }
    }
  };

  const serialize = <T>(task: () => Promise<T>): Promise<T> => {
    const run = writeChain.then(task, task);
    writeChain = run.catch(() => {});
    return run;
  };

  /** Writes `desired` with lease `id` unless another live process holds the key. */
  const writeRecord = (id: string) =>
    serialize(async () => {
      for (let round = 0; round < 3; round++) {
        const record = desired;
        const json = encodeMemberRecord(record);
        const put = () => client.put(key).value(json).lease(id);
        const mine = await client
          .if(key, 'Lease', '==', id)
          .then(put())
          .else(client.get(key))
          .commit();
        let done = mine.succeeded;
        if (!done) {
          const existing = mine.responses[0]?.response_range?.kvs[0];
          if (existing && existing.lease !== '0' && !ownLeases.has(existing.lease)) {
            throw new MemberIdTakenError(record.id, existing.lease);
          }
          const guard = existing
            ? client.if(key, 'Lease', '==', existing.lease)
            : client.if(key, 'Create', '==', 0);
          done = (await guard.then(put()).commit()).succeeded;
        }
        if (done) {
          written = { record, lease: id };
          return;
        }
      }
      throw new Error(`member record ${key} kept changing during the write`);
    });

  const notifyLeft = () => {
    if (left) throw new Error(`member ${desired.id} has left the cluster`);
  };

  const register = async (signal?: AbortSignal): Promise<void> => {
    const backoff = createBackoff(options.backoff ?? { initialMs: 200, maxMs: 5000 });
    for (let attempt = 1; ; attempt++) {
      notifyLeft();
      signal?.throwIfAborted();
      let candidate: Lease | null = null;
      try {
        candidate = client.lease(ttl, { autoKeepAlive: false });
        candidate.on('lost', () => {});
        const id = await candidate.grant();
        ownLeases.add(id);
        await writeRecord(id);
        const sentAt = now();
        const response = await candidate.keepaliveOnce({ deadline: Date.now() + ttlMs });
        notifyLeft();
        lease = candidate;
        leaseId = id;
        fence.reset();
        fence.acknowledged(sentAt, Number(response.TTL));
        registered = true;
        needsVerify = false;
        startThread(id);
        log.info(`member ${desired.id} registered`, {
          lease: id,
          state: desired.state,
          ttl,
          attempt,
        });
        evaluateFence();
        return;
      } catch (error) {
        if (candidate && candidate !== lease) void candidate.revoke().catch(() => {});
        notifyLeft();
        signal?.throwIfAborted();
        const wait = backoff.next();
        log.warn(
          `registration of member ${desired.id} failed (attempt ${attempt}), retrying in ${wait} ms`,
          {
            error: describeError(error),
          },
        );
        await sleep(wait, AbortSignal.any([stopSignal.signal, ...(signal ? [signal] : [])]));
      }
    }
  };

  const onLeaseLost = (error: unknown) => {
    if (left || reRegistering) return;
    log.warn(`lease of member ${desired.id} lost; re-registering`, {
      lease: leaseId,
      error: describeError(error),
    });
    lease = null;
    leaseId = null;
    registered = false;
    void stopThread();
    fence.reset();
    evaluateFence();
    reRegistering = register()
      .catch((registerError) => {
        if (!left) log.error('re-registration stopped', { error: describeError(registerError) });
      })
      .finally(() => {
        reRegistering = null;
      });
  };

  const verify = async (current: Lease, id: string) => {
    if (verifying) return;
    verifying = true;
    try {
      const response = await client.get(key).exec();
      if (current !== lease || left) return;
      const kv = response.kvs[0];
      const intact =
        kv !== undefined &&
        kv.lease === id &&
        kv.value.toString('utf8') === encodeMemberRecord(desired);
      if (!intact) {
        log.warn(`member record ${key} missing or stale after a fence; rewriting it`);
        await writeRecord(id);
      }
      if (current !== lease || left) return;
      needsVerify = false;
      log.info(`member ${desired.id} registered again after a fence`, { lease: id });
      evaluateFence();
    } catch (error) {
      if (error instanceof EtcdLeaseInvalidError) onLeaseLost(error);
      else log.debug('record check after fence failed', { error: describeError(error) });
    } finally {
      verifying = false;
    }
  };

  const keepalive = () => {
    const current = lease;
    const id = leaseId;
    // The thread's keepalive of this interval was acknowledged: one is enough (etcd's load).
    // While fenced, this loop's own keepalive is what re-checks the record (verify).
    const threadAck = thread?.lastAcknowledged();
    if (!needsVerify && threadAck && threadAck.sentMsAgo < keepaliveIntervalMs) return;
    if (
      left ||
      reRegistering ||
      current === null ||
      id === null ||
      inFlight >= MAX_KEEPALIVES_IN_FLIGHT
    )
      return;
    const sentAt = now();
    inFlight++;
    current
      .keepaliveOnce({ deadline: Date.now() + ttlMs })
      .then(
        (response) => {
          if (current !== lease || left) return;
          fence.acknowledged(sentAt, Number(response.TTL));
          if (needsVerify) void verify(current, id);
          else evaluateFence();
        },
        (error) => {
          if (current !== lease || left) return;
          if (error instanceof EtcdLeaseInvalidError) onLeaseLost(error);
          else log.debug('keepalive failed', { error: describeError(error) });
        },
      )
      .finally(() => {
        inFlight--;
      });
  };

  await register(options.signal);

  const keepaliveTimer = setInterval(keepalive, keepaliveIntervalMs);
  const fenceTimer = setInterval(evaluateFence, Math.min(100, Math.floor(ttlMs / 10)));

  return {
    id: desired.id,
    record: () => desired,
    async setState(state: MemberState) {
      notifyLeft();
      desired = { ...desired, state };
      for (;;) {
        notifyLeft();
        if (reRegistering) await reRegistering;
        const id = leaseId;
        if (id === null) {
          if (!reRegistering) throw new Error(`member ${desired.id} is not registered`);
          continue;
        }
        if (written && written.lease === id && sameMemberRecord(written.record, desired)) return;
        try {
          await writeRecord(id);
        } catch (error) {
          if (!(error instanceof EtcdLeaseInvalidError)) throw error;
          onLeaseLost(error);
        }
      }
    },
    isFenced: computeFenced,
    onFenceChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async leave() {
      if (left) return;
      left = true;
      stopSignal.abort();
      clearInterval(keepaliveTimer);
      clearInterval(fenceTimer);
      await stopThread();
      const current = lease;
      lease = null;
      registered = false;
      evaluateFence();
      listeners.clear();
      if (current) {
        const expired = Symbol('expired');
        // The give-up timer is cancelled once revoke settles, so it never holds the process open.
        const giveUp = new AbortController();
        try {
          const outcome = await Promise.race([
            current.revoke(),
            sleep(ttlMs, giveUp.signal).then(() => (giveUp.signal.aborted ? undefined : expired)),
          ]).finally(() => giveUp.abort());
          if (outcome === expired) throw new Error(`revoke still pending after ${ttl} s`);
          log.info(`member ${desired.id} left (lease revoked)`);
        } catch (error) {
          log.warn(
            `member ${desired.id} could not revoke its lease; the record expires within ${ttl} s`,
            {
              error: describeError(error),
            },
          );
        }
      }
    },
  };
}
