import { type ByteCursor, readVarUint } from '../lib/identify.ts';
import { connectRaw, type RawSocket } from '../lib/raw-ws.ts';
import {
  type LaunchEnv,
  type MemorySnapshot,
  type ServerProcess,
  startServer,
} from '../lib/servers.ts';
import {
  EMPTY_STEP1,
  Incoming,
  readBytes,
  readIncoming,
  type ServerKind,
  syncBody,
  type Wire,
  wireFor,
} from '../lib/wire.ts';

export interface MemoryPlan {
  /** Idle connections for the per-connection figure, spread over `connectionDocs` documents. */
  readonly connections: number;
  readonly connectionDocs: number;
  /** Documents (one idle connection each) for the per-document figure. */
  readonly docs: number;
  /** The content every loaded document holds (a Yjs update of the whole document). */
  readonly docState: Uint8Array;
  /**
   * Ours only: after the per-document figure, close every connection, wait for the node to
   * unload the idle documents to their encoded form (N1, ~30 s) and measure again.
   */
  readonly measureUnloaded: boolean;
}

/**
 * Bytes; `Rss` figures from the process's anonymous resident memory (RssAnon), `Heap` from V8
 * (heapUsed + external), both after full GCs.
 */
export interface MemoryResult {
  readonly kind: ServerKind;
  readonly perConnectionRss: number;
  readonly perConnectionHeap: number;
  /** Per open idle document, its connection's own cost subtracted. */
  readonly perDocRss: number;
  readonly perDocHeap: number;
  /** Ours: heap per document once unloaded to its encoded form (null when not measured). */
  readonly perUnloadedDocHeap: number | null;
  /**
   * Ours: per open idle document once the idle window passed and the node keeps it encoded
   * with its editor still attached (issue 14), its connection's cost subtracted; null when not
   * measured (a peer, or the node did not encode them all within the deadline).
   */
  readonly perEncodedDocRss: number | null;
  readonly perEncodedDocHeap: number | null;
}

const heapOf = (m: MemorySnapshot) => m.heapUsed + m.external;
/**
 * Resident memory the process allocated (RssAnon; the whole RSS where /proc lacks it), less V8's
 * young generation. That one is a cost per process, not per connection or document: fixed at
 * 2 × 16 MiB by `MEMORY_FLAGS`, uncommitted by V8 while the process idles and committed again by
 * the first burst of allocation, whatever allocates — measured while 500 documents synced into
 * one node: 0 → 32 MiB, 64 KB of every document's figure.
 */
const residentOf = (m: MemorySnapshot) => (m.rssAnon ?? m.rss) - youngGenerationOf(m);
const youngGenerationOf = (m: MemorySnapshot) =>
  (m.spaces?.new_space ?? 0) + (m.spaces?.new_large_object_space ?? 0);

/**
 * A fixed-size young generation for every server in a memory measurement: V8 otherwise grows
 * its semi-spaces (1 → 16 MiB) under allocation, which shows up in RSS as noise of several KB
 * per connection.
 */
const MEMORY_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

class CloseError extends Error {
  constructor(
    docId: string,
    readonly code: number,
  ) {
    super(`socket of ${docId} closed with ${code} before sync`);
  }
}

/**
 * Opens idle sockets, each to `docIds[i]`; each completes the sync handshake, answering the
 * server's SyncStep1 with `content` (a SyncStep2) when given. With content it then asks once
 * more (SyncStep1) and waits for a SyncStep2 at least as large as the content, so the server
 * has applied it. A socket closed with 4503 (retry) is reopened up to 4 times. Rejects if a
 * socket closes otherwise or 60 s pass.
 */
export async function openIdleSockets(
  host: string,
  port: number,
  wire: Wire,
  docIds: readonly string[],
  content: Uint8Array | null,
): Promise<RawSocket[]> {
  const hasPrefix = wire.prefix('x').length > 0;
  const step2 = syncBody(1, content ?? new Uint8Array([0, 0]));
  const sockets: RawSocket[] = [];
  const queue = docIds.map((docId, i) => ({ docId, i }));
  const cur: ByteCursor = { bytes: new Uint8Array(0), pos: 0 };
  const one = (docId: string) =>
    new Promise<RawSocket>((resolve, reject) => {
      const prefix = wire.prefix(docId);
      let sock: RawSocket | null = null;
      let done = false;
      let verifying = false;
      const timer = setTimeout(() => reject(new Error(`sync of ${docId} timed out`)), 60_000);
      const finish = () => {
        if (done || !sock) return;
        done = true;
        clearTimeout(timer);
        resolve(sock);
      };
      connectRaw(
        { host, port, path: wire.path(docId) },
        {
          onMessage(payload) {
            cur.bytes = payload;
            cur.pos = 0;
            const kind = readIncoming(cur, hasPrefix);
            if (kind === Incoming.STEP1) {
              sock?.send(step2, prefix);
              // Ask once more, to see the content applied. Only once: Hocuspocus answers every
              // SyncStep1 with its own SyncStep1, so answering each with another would loop.
              if (content && !verifying) sock?.send(EMPTY_STEP1, prefix);
              verifying = true;
            } else if (kind === Incoming.STEP2) {
              const update = readBytes(cur);
              if (!content || (update && update.length >= 0.9 * content.length)) finish();
            } else if (kind === Incoming.ACK) {
              readVarUint(cur);
            }
          },
          onClose(code) {
            if (!done) {
              clearTimeout(timer);
              reject(new CloseError(docId, code));
            }
          },
        },
      ).then((s) => {
        sock = s;
        sockets.push(s);
        for (const body of wire.openBodies) s.send(body, prefix);
        s.send(EMPTY_STEP1, prefix);
      }, reject);
    });
  const workers = Array.from({ length: 64 }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      // A node that asks to retry (4503: fenced for a moment on a starved machine, overloaded)
      // is retried as a client would, a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          await one(job.docId);
          break;
        } catch (error) {
          if (!(error instanceof CloseError) || error.code !== 4503 || attempt >= 5) throw error;
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    }
  });
  try {
    await Promise.all(workers);
  } catch (error) {
    for (const s of sockets) s.destroy();
    throw error;
  }
  return sockets;
}

async function settleThenMeasure(server: ServerProcess): Promise<MemorySnapshot> {
  await new Promise((r) => setTimeout(r, 500));
  return server.memory();
}

async function warmUp(server: ServerProcess, wire: Wire, tag: string, content: Uint8Array | null) {
  const ids = Array.from({ length: 8 }, (_, i) => `${tag}-warm${i % 4}`);
  const sockets = await openIdleSockets(server.host, server.port, wire, ids, content);
  for (const s of sockets) s.close();
}

async function documentsLoaded(server: ServerProcess): Promise<number> {
  return gauge(server, 'ringdoc_documents_loaded');
}

/** Loaded documents still held as a live Y.Doc (ours keeps idle ones encoded, issue 14). */
async function documentsHydrated(server: ServerProcess): Promise<number> {
  return gauge(server, 'ringdoc_documents_hydrated');
}

async function gauge(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://${server.host}:${server.port}/metrics`)).text();
  const match = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * Memory per idle connection and per idle loaded document of one server kind: two fresh
 * server processes (one per figure), each warmed up, measured after full GCs before and
 * after the idle sockets are open. Servers are stopped before returning, also on failure.
 */
export async function runMemory(
  kind: ServerKind,
  env: LaunchEnv,
  plan: MemoryPlan,
  tag: string,
): Promise<MemoryResult> {
  const wire = wireFor(kind);
  let perConnectionRss: number;
  let perConnectionHeap: number;
  {
    const server = await startServer(kind, env, { nodeFlags: MEMORY_FLAGS });
    try {
      await warmUp(server, wire, `${tag}c`, null);
      const before = await settleThenMeasure(server);
      const ids = Array.from(
        { length: plan.connections },
        (_, i) => `${tag}-c${i % plan.connectionDocs}`,
      );
      const sockets = await openIdleSockets(server.host, server.port, wire, ids, null);
      const after = await settleThenMeasure(server);
      perConnectionRss = (residentOf(after) - residentOf(before)) / plan.connections;
      perConnectionHeap = (heapOf(after) - heapOf(before)) / plan.connections;
      for (const s of sockets) s.close();
    } finally {
      await server.stop();
    }
  }
  if (kind === 'relay') {
    return {
      kind,
      perConnectionRss,
      perConnectionHeap,
      perDocRss: Number.NaN,
      perDocHeap: Number.NaN,
      perUnloadedDocHeap: null,
      perEncodedDocRss: null,
      perEncodedDocHeap: null,
    };
  }
  const server = await startServer(kind, env, { nodeFlags: MEMORY_FLAGS });
  try {
    await warmUp(server, wire, `${tag}w`, plan.docState);
    if (kind === 'ours' || kind === 'ours-1') {
      // the warm-up documents unload (idle window) before the baseline, not during the step
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && (await documentsLoaded(server)) > 0) {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const before = await settleThenMeasure(server);
    const ids = Array.from({ length: plan.docs }, (_, i) => `${tag}-d${i}`);
    const sockets = await openIdleSockets(server.host, server.port, wire, ids, plan.docState);
    const after = await settleThenMeasure(server);
    const perDocRss = (residentOf(after) - residentOf(before)) / plan.docs - perConnectionRss;
    const perDocHeap = (heapOf(after) - heapOf(before)) / plan.docs - perConnectionHeap;
    let perEncodedDocRss: number | null = null;
    let perEncodedDocHeap: number | null = null;
    if (kind === 'ours' || kind === 'ours-1') {
      // the node's idle window (30 s by default): then every attached idle doc is kept encoded
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && (await documentsHydrated(server)) > 0) {
        await new Promise((r) => setTimeout(r, 500));
      }
      if ((await documentsHydrated(server)) === 0) {
        const encoded = await settleThenMeasure(server);
        perEncodedDocRss =
          (residentOf(encoded) - residentOf(before)) / plan.docs - perConnectionRss;
        perEncodedDocHeap = (heapOf(encoded) - heapOf(before)) / plan.docs - perConnectionHeap;
      }
    }
    for (const s of sockets) s.close();
    let perUnloadedDocHeap: number | null = null;
    if (plan.measureUnloaded && kind === 'ours') {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await documentsLoaded(server)) > 0) {
        await new Promise((r) => setTimeout(r, 500));
      }
      if ((await documentsLoaded(server)) === 0) {
        const unloaded = await settleThenMeasure(server);
        perUnloadedDocHeap = (heapOf(unloaded) - heapOf(before)) / plan.docs;
      }
    }
    return {
      kind,
      perConnectionRss,
      perConnectionHeap,
      perDocRss,
      perDocHeap,
      perUnloadedDocHeap,
      perEncodedDocRss,
      perEncodedDocHeap,
    };
  } finally {
    await server.stop();
  }
}
