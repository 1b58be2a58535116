import { decodeServerFrame } from '../../server/protocol/index.ts';
import { type ByteCursor, readVarUint } from '../lib/identify.ts';
import { connectRaw, type RawSocket } from '../lib/raw-ws.ts';
import { type LaunchEnv, startOurs, startPeer } from '../lib/servers.ts';
import { type Quantiles, Samples } from '../lib/stats.ts';
import { EMPTY_STEP1, EMPTY_STEP2, Incoming, readIncoming, wireFor } from '../lib/wire.ts';

export interface RedirectPlan {
  /** Samples of each kind (direct, redirected), taken alternately. */
  readonly samples: number;
  /** Distinct documents cycled through (each warmed up first). */
  readonly docs: number;
}

/** Connect-to-synced times in ms. */
export interface RedirectResult {
  readonly direct: Quantiles;
  readonly redirected: Quantiles;
}

type Waiter = {
  kind: number;
  resolve: (payload: Buffer) => void;
  reject: (error: Error) => void;
};

/**
 * One raw socket whose messages queue up until `next(kind)` takes the first of that kind
 * (`-1`: any). It answers a SyncStep1 with an empty SyncStep2, as a client would.
 */
async function open(host: string, port: number, path: string) {
  const waiters: Waiter[] = [];
  const inbox: { kind: number; payload: Buffer }[] = [];
  const cur: ByteCursor = { bytes: new Uint8Array(0), pos: 0 };
  let sock: RawSocket | null = null;
  let closedWith: number | null = null;
  const early: Buffer[] = [];
  const receive = (payload: Buffer) => {
    cur.bytes = payload;
    cur.pos = 0;
    const kind = readIncoming(cur, false);
    if (kind === Incoming.STEP1) sock?.send(EMPTY_STEP2);
    if (kind === Incoming.ACK) readVarUint(cur);
    const i = waiters.findIndex((w) => w.kind === kind || w.kind === -1);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(Buffer.from(payload));
    else inbox.push({ kind, payload: Buffer.from(payload) });
  };
  sock = await connectRaw(
    { host, port, path },
    {
      onMessage(payload) {
        if (sock) receive(payload);
        else early.push(Buffer.from(payload));
      },
      onClose(code) {
        closedWith = code;
        for (const w of waiters.splice(0)) w.reject(new Error(`${path} closed with ${code}`));
      },
    },
  );
  for (const payload of early) receive(payload);
  const next = (kind: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const queued = inbox.findIndex((m) => m.kind === kind || kind === -1);
      if (queued >= 0) {
        resolve(inbox.splice(queued, 1)[0]!.payload);
        return;
      }
      if (closedWith !== null) {
        reject(new Error(`${path} closed with ${closedWith}`));
        return;
      }
      const timer = setTimeout(() => reject(new Error(`no message ${kind} on ${path}`)), 10_000);
      waiters.push({
        kind,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  return { sock, next };
}

/** Ours: connect → SyncStep1 → SyncStep2 received. */
async function directSync(host: string, port: number, path: string): Promise<void> {
  const c = await open(host, port, path);
  const synced = c.next(Incoming.STEP2);
  c.sock.send(EMPTY_STEP1);
  await synced;
  c.sock.close();
}

/** Ours: connect to a non-owner, read REDIRECT, connect to its url, sync. */
async function redirectedSync(host: string, port: number, docId: string): Promise<void> {
  const wire = wireFor('ours');
  const first = await open(host, port, wire.path(docId));
  const redirect = first.next(Incoming.REDIRECT);
  first.sock.send(EMPTY_STEP1);
  const frame = decodeServerFrame(await redirect);
  first.sock.destroy();
  if (frame.type !== 'redirect') throw new Error(`expected REDIRECT, got ${frame.type}`);
  const url = new URL(frame.url);
  await directSync(url.hostname, Number(url.port), `${wire.path(docId)}&epoch=${frame.epoch}`);
}

function summarize(direct: Samples, redirected: Samples): RedirectResult {
  return { direct: direct.summary(), redirected: redirected.summary() };
}

/**
 * Redirect cost (DESIGN C2): a 3-node cluster of ours; documents owned by n2 or n3 are opened
 * either directly at their owner or through n1 (REDIRECT, then the owner), alternately, one at
 * a time; each sample runs from the TCP connect to the SyncStep2 received. Documents are
 * loaded once beforehand, so the figure is the redirect, not the first load.
 */
export async function runRedirect(
  env: LaunchEnv,
  plan: RedirectPlan,
  tag: string,
): Promise<RedirectResult> {
  const nodes = await startOurs(env, 3);
  try {
    const entry = nodes[0]!;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const docs: { docId: string; port: number }[] = [];
    for (let i = 0; docs.length < plan.docs && i < plan.docs * 20; i++) {
      const docId = `${tag}-r${i}`;
      const route = (await (
        await fetch(`http://${entry.host}:${entry.port}/route/${docId}`)
      ).json()) as { owner: string };
      const owner = byId.get(route.owner);
      if (owner && owner !== entry) docs.push({ docId, port: owner.port });
    }
    const wire = wireFor('ours');
    for (const d of docs) await directSync(entry.host, d.port, wire.path(d.docId));
    const direct = new Samples();
    const redirected = new Samples();
    for (let i = 0; i < plan.samples * 2; i++) {
      const d = docs[(i >> 1) % docs.length]!;
      const t0 = performance.now();
      if (i % 2 === 0) {
        await directSync(entry.host, d.port, wire.path(d.docId));
        direct.add(performance.now() - t0);
      } else {
        await redirectedSync(entry.host, entry.port, d.docId);
        redirected.add(performance.now() - t0);
      }
    }
    return summarize(direct, redirected);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

/**
 * The loopback floor of the redirect ratio: a bare uWS server (bench/peers/relay.ts); direct
 * = connect + one echoed message, redirected = connect, read one frame, then the same direct
 * path. Same client, same sequencing as `runRedirect`.
 */
export async function runRedirectFloor(
  env: LaunchEnv,
  plan: RedirectPlan,
): Promise<RedirectResult> {
  const relay = await startPeer('relay', env);
  const echo = async () => {
    const c = await open(relay.host, relay.port, '/echo/x');
    const back = c.next(-1);
    c.sock.send(EMPTY_STEP2);
    await back;
    c.sock.close();
  };
  try {
    for (let i = 0; i < 10; i++) await echo();
    const direct = new Samples();
    const redirected = new Samples();
    for (let i = 0; i < plan.samples * 2; i++) {
      const t0 = performance.now();
      if (i % 2 === 0) {
        await echo();
        direct.add(performance.now() - t0);
      } else {
        const first = await open(relay.host, relay.port, '/redirect/x');
        await first.next(-1);
        first.sock.destroy();
        await echo();
        redirected.add(performance.now() - t0);
      }
    }
    return summarize(direct, redirected);
  } finally {
    await relay.stop();
  }
}
