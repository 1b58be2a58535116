// The body of a keepalive thread (see keepalive-thread.ts, which starts it and documents it).
// Plain JavaScript on purpose: a worker thread does not inherit the TypeScript loader the process
// registered (bin/register-ts.mjs); it needs Node and the etcd3 package only. Keepalives go over one
// gRPC LeaseKeepAlive stream (as etcd3's own automatic keepalive sends them: the cheapest kind
// for etcd, bench/scale/keepalive-cost.bench.ts), answers in the order of the requests.
//
// workerData: { endpoints: string[], leaseId: string, intervalMs: number, timeoutMs: number,
//               staleAfterMs: number, shared: SharedArrayBuffer (BigInt64Array[4]) }
// Shared slots: [0] send time (wall ms) of the newest acknowledged keepalive, [1] the TTL in s
// etcd reported with it, [2] 1 once etcd said the lease is gone, [3] the parent's heartbeat
// (wall ms): when it is older than staleAfterMs the parent's event loop is hung, and the lease
// is left to expire (the ring then drops this member, DESIGN M4) instead of kept alive forever.
// Messages to the parent: { type: 'lost' } once etcd says the lease is gone (TTL 0), then the
// thread stops; { type: 'failed', error } per failed attempt; { type: 'stale' } when
// it stops renewing for a hung parent (once per stretch).
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';

const { endpoints, leaseId, intervalMs, timeoutMs, staleAfterMs, shared } = workerData;
const slots = new BigInt64Array(shared);
const MAX_IN_FLIGHT = 3;
const client = new Etcd3({
  hosts: endpoints,
  // Each tick retries by itself; etcd3's circuit breaker would only delay a recovered etcd.
  faultHandling: { host: () => noop, global: noop },
});
/** The open keepalive stream, the one being opened, and the send times in flight (answers come in order). */
let stream = null;
let opening = null;
let sent = [];
let stopped = false;
let parentStale = false;

// Wall-clock milliseconds, the same clock as the main thread's `performance.timeOrigin + now()`.
const wallNow = () => performance.timeOrigin + performance.now();

const fail = (error) => {
  parentPort.postMessage({ type: 'failed', error: String(error?.message ?? error) });
};

/** Drops the stream (its answers in flight are lost with it); the next tick opens another. */
function drop(reason) {
  const old = stream;
  stream = null;
  sent = [];
  if (old) {
    old.removeAllListeners('data');
    old.on('error', () => {});
    old.end();
  }
  if (reason) fail(reason);
}

function onAnswer(response) {
  const sentAt = sent.shift();
  if (stopped || sentAt === undefined) return;
  const ttl = Number(response.TTL ?? 0);
  if (!(ttl > 0)) {
    stopped = true;
    clearInterval(timer);
    // Seen by the parent's fence at once, before this message is handled.
    Atomics.store(slots, 2, 1n);
    parentPort.postMessage({ type: 'lost' });
    drop(null);
    return;
  }
  // Keep the newest send time (a later stream's answers can overtake an old one's).
  for (;;) {
    const seen = Atomics.load(slots, 0);
    if (BigInt(sentAt) <= seen) break;
    if (Atomics.compareExchange(slots, 0, seen, BigInt(sentAt)) === seen) break;
  }
  Atomics.store(slots, 1, BigInt(ttl));
}

function open() {
  if (stream || opening) return;
  opening = client.leaseClient
    .leaseKeepAlive()
    .then((opened) => {
      if (stopped) {
        opened.on('error', () => {});
        opened.end();
        return;
      }
      stream = opened;
      opened.on('data', (response) => {
        if (stream === opened) onAnswer(response);
      });
      opened.on('error', (error) => {
        if (stream === opened) drop(error);
      });
      opened.on('end', () => {
        if (stream === opened) drop(new Error('keepalive stream ended'));
      });
      tick();
    }, fail)
    .finally(() => {
      opening = null;
    });
}

function tick() {
  if (stopped) return;
  const now = Math.floor(wallNow());
  if (now - Number(Atomics.load(slots, 3)) > staleAfterMs) {
    if (!parentStale) parentPort.postMessage({ type: 'stale' });
    parentStale = true;
    return;
  }
  parentStale = false;
  // The oldest keepalive in flight went unanswered for timeoutMs, or too many are: the stream
  // (or its etcd member) is stuck; a new stream may reach another endpoint.
  if (stream && sent.length > 0 && (now - sent[0] > timeoutMs || sent.length >= MAX_IN_FLIGHT)) {
    drop(new Error(`no keepalive answer within ${now - sent[0]} ms`));
  }
  if (!stream) {
    open();
    return;
  }
  sent.push(now);
  stream.write({ ID: leaseId });
}

const timer = setInterval(tick, intervalMs);
// The first keepalive goes as soon as the stream is open.
open();
