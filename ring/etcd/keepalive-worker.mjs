// The body of a keepalive thread (see keepalive-thread.ts, which starts it and documents it).
// Plain JavaScript on purpose: a worker thread does not inherit the tsx loader the process
// registered through its API, and this file needs nothing but Node itself.
//
// workerData: { endpoints: string[], leaseId: string, intervalMs: number, timeoutMs: number,
//               shared: SharedArrayBuffer (BigInt64Array[2]: [0] send time in ms of the newest
//               acknowledged keepalive, [1] the TTL in s etcd reported with it) }
// Messages to the parent: { type: 'lost' } once etcd says the lease is gone (TTL 0), then the
// thread stops; { type: 'failed', endpoint, error } per failed attempt.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { endpoints, leaseId, intervalMs, timeoutMs, shared } = workerData;
const acknowledged = new BigInt64Array(shared);
const MAX_IN_FLIGHT = 3;
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT }),
  https: new https.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT }),
};
const body = JSON.stringify({ ID: leaseId });
let next = 0;
let inFlight = 0;
let stopped = false;

// Wall-clock milliseconds, the same clock as the main thread's `performance.timeOrigin + now()`.
const wallNow = () => performance.timeOrigin + performance.now();

/** One keepalive through etcd's JSON gateway; resolves with the TTL etcd reported. */
function keepaliveOnce(endpoint) {
  return new Promise((resolve, reject) => {
    const url = new URL('/v3/lease/keepalive', endpoint);
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          if (response.statusCode !== 200) {
            reject(new Error(`etcd answered HTTP ${response.statusCode}`));
            return;
          }
          try {
            // A streaming gateway call answers `{"result": {...}}` or `{"error": {...}}`.
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (!parsed.result) {
              reject(new Error(parsed.error?.message ?? 'etcd answered without a result'));
              return;
            }
            resolve(Number(parsed.result.TTL ?? 0));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

function tick() {
  if (stopped || inFlight >= MAX_IN_FLIGHT) return;
  const endpoint = endpoints[next % endpoints.length];
  const sentAt = Math.floor(wallNow());
  inFlight++;
  keepaliveOnce(endpoint)
    .then(
      (ttl) => {
        if (stopped) return;
        if (!(ttl > 0)) {
          stopped = true;
          clearInterval(timer);
          parentPort.postMessage({ type: 'lost' });
          return;
        }
        // Keep the newest send time (answers can arrive out of order).
        for (;;) {
          const seen = Atomics.load(acknowledged, 0);
          if (BigInt(sentAt) <= seen) break;
          if (Atomics.compareExchange(acknowledged, 0, seen, BigInt(sentAt)) === seen) break;
        }
        Atomics.store(acknowledged, 1, BigInt(ttl));
      },
      (error) => {
        next++;
        parentPort.postMessage({
          type: 'failed',
          endpoint,
          error: String(error?.message ?? error),
        });
      },
    )
    .finally(() => {
      inFlight--;
    });
}

const timer = setInterval(tick, intervalMs);
tick();
