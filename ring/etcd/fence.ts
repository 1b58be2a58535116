/**
 * The fencing rule of DESIGN R6 as a pure clock: a member is fenced while it is not registered,
 * or when the last *acknowledged* keepalive was **sent** more than `TTL − 1 s` ago.
 *
 * Why the send time: etcd extends the lease to (time it processes the keepalive) + TTL, which is
 * never earlier than send time + TTL. Fencing at send time + TTL − 1 s therefore happens at least
 * 1 s before etcd can possibly expire the lease and let another member take over, whatever the
 * network delay of the acknowledgement was.
 */
export interface FenceClock {
  /** A keepalive sent at `sentAt` was acknowledged; `ttlSeconds` is the TTL etcd reported. */
  acknowledged(sentAt: number, ttlSeconds: number): void;
  /** Forget every acknowledgement (lease lost or revoked): fenced until the next one. */
  reset(): void;
  isFenced(): boolean;
  /** ms since the send time of the last acknowledged keepalive, or `null` if none. */
  ackAgeMs(): number | null;
  /** The current fencing threshold, `TTL − 1 s` of the last acknowledgement, in ms. */
  thresholdMs(): number;
}

/** Creates a {@link FenceClock}; `now` defaults to `Date.now`, `ttlSeconds` is the requested TTL. */
export function createFenceClock(ttlSeconds: number, now: () => number = Date.now): FenceClock {
  let lastSentAt: number | null = null;
  let ttlMs = ttlSeconds * 1000;
  const threshold = () => Math.max(0, ttlMs - 1000);
  return {
    acknowledged(sentAt, reportedTtl) {
      if (lastSentAt === null || sentAt > lastSentAt) lastSentAt = sentAt;
      if (reportedTtl > 0) ttlMs = reportedTtl * 1000;
    },
    reset() {
      lastSentAt = null;
    },
    isFenced() {
      return lastSentAt === null || now() - lastSentAt > threshold();
    },
    ackAgeMs: () => (lastSentAt === null ? null : now() - lastSentAt),
    thresholdMs: threshold,
  };
}
