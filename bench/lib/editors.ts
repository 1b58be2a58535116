import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type ByteCursor, keystrokesIn, readVarUint } from './identify.ts';
import { runQueueSeconds, selfCpuSeconds } from './proc.ts';
import { connectRaw, type RawSocket } from './raw-ws.ts';
import { type Quantiles, quantilesOf } from './stats.ts';
import { addAccounts, type TokenAccount, TokenLedger } from './tokens.ts';
import type { TypingTrace } from './trace.ts';
import {
  EMPTY_STEP1,
  EMPTY_STEP2,
  Incoming,
  readBytes,
  readIncoming,
  syncBody,
  type Wire,
} from './wire.ts';

/** Close code of a REDIRECT (P11): the editor reconnects to the owner, not a lost socket. */
const REDIRECT_CLOSE = 4300;

/**
 * What stands in for a durable ACK: ringdoc's ACK (sent after the update is durable), the
 * server's echo of the sender's own update (applied by the server, durability not implied:
 * y-websocket and Hocuspocus, which send no ACK), or nothing (the relay).
 */
export type AckKind = 'durable ack' | 'echo' | 'none';

export function ackKindOf(wire: Wire): AckKind {
  return wire.acks ? 'durable ack' : wire.echoes ? 'echo' : 'none';
}

/** What one load-generator process measured in one step. Latencies in ms. */
export interface GeneratorStep {
  /** Id of the step in this generator (0, 1, … in the order run). */
  readonly stepId: number;
  readonly sent: number;
  /** Sends skipped: the editor's trace was used up or its socket was gone. */
  readonly blocked: number;
  /** Raw per-token latencies of the tokens of this step (first reception; ACK or stand-in). */
  readonly propagation: Float64Array;
  readonly ack: Float64Array;
  readonly tokens: TokenAccount;
  /** CPU share (1 = one core) of this generator process over the sending part of the step. */
  readonly cpu: number;
  /** Share of the step its main thread waited for a CPU. */
  readonly wait: number;
  /** p99 event-loop delay (ms): high means it sent late. */
  readonly lagP99: number;
  /** ms after the last send until every token was delivered (and acked), or the drain timeout. */
  readonly drainMs: number;
  /** Close codes of sockets the server closed so far (redirects excluded), code -> count. */
  readonly closeCodes: Record<string, number>;
  /** REDIRECTs followed so far. */
  readonly redirects: number;
}

export interface EditorPoolOptions {
  readonly host: string;
  readonly port: number;
  readonly wire: Wire;
  readonly docIds: readonly string[];
  /** Traces of the two editors of every document (editor A, editor B). */
  readonly traces: readonly [TypingTrace, TypingTrace];
  /** Upgrades in flight at once while connecting (default 64). */
  readonly connectConcurrency?: number;
}

/** Two editors per document on raw sockets, replaying their traces at a chosen total rate. */
export interface EditorPool {
  readonly editors: number;
  /** Runs one step at `rate` updates/s for `seconds`, then waits ≤ `drainMs` for stragglers. */
  step(rate: number, seconds: number, drainMs: number): Promise<GeneratorStep>;
  /** Waits ≤ `timeoutMs` until every token sent so far was delivered (and acked); true if so. */
  settle(timeoutMs: number): Promise<boolean>;
  /** Per-token accounting of every step so far, by step id (final counts: late tokens arrived). */
  accounts(): TokenAccount[];
  /** Sends a close frame on every socket. */
  close(): void;
}

interface Step {
  readonly propagation: number[];
  readonly ack: number[];
}

class Editor {
  sock: RawSocket | null = null;
  peer: Editor = this;
  synced = false;
  /** The owner's address from a REDIRECT, used when the 4300 close follows. */
  redirectTo: { host: string; port: number } | null = null;
  readonly ledger: TokenLedger;

  constructor(
    readonly docId: string,
    readonly trace: TypingTrace,
    readonly bodies: readonly Uint8Array[],
    readonly prefix: Uint8Array,
  ) {
    this.ledger = new TokenLedger(bodies.length);
  }
}

function parseRedirect(cur: ByteCursor): { host: string; port: number } | null {
  const length = readVarUint(cur);
  if (length < 0 || cur.pos + length > cur.bytes.length) return null;
  try {
    const text = new TextDecoder().decode(cur.bytes.subarray(cur.pos, cur.pos + length));
    const url = new URL((JSON.parse(text) as { url: string }).url);
    return { host: url.hostname, port: Number(url.port) };
  } catch {
    return null;
  }
}

/**
 * Connects two raw-socket editors to every document, follows REDIRECTs (P11: reconnect to the
 * owner on close 4300), completes the sync handshake and resolves once all are synced (rejects
 * if a connection fails or 60 s pass). Every keystroke is a token in its editor's ledger.
 */
export async function openEditorPool(options: EditorPoolOptions): Promise<EditorPool> {
  const { wire } = options;
  const hasPrefix = wire.prefix('x').length > 0;
  const ackKind = ackKindOf(wire);
  const bodies = options.traces.map((t) => t.updates.map((u) => syncBody(2, u)));
  const editors: Editor[] = [];
  for (const docId of options.docIds) {
    const prefix = wire.prefix(docId);
    const a = new Editor(docId, options.traces[0], bodies[0]!, prefix);
    const b = new Editor(docId, options.traces[1], bodies[1]!, prefix);
    a.peer = b;
    b.peer = a;
    editors.push(a, b);
  }
  const steps: Step[] = [];
  const closeCodes: Record<string, number> = {};
  let redirects = 0;
  let failure: Error | null = null;
  const cur: ByteCursor = { bytes: new Uint8Array(0), pos: 0 };

  const onAck = (editor: Editor) => (k: number, latency: number) => {
    steps[editor.ledger.step[k]!]?.ack.push(latency);
  };

  const onMessage = (editor: Editor, payload: Buffer) => {
    cur.bytes = payload;
    cur.pos = 0;
    switch (readIncoming(cur, hasPrefix)) {
      case Incoming.STEP1:
        editor.sock?.send(EMPTY_STEP2, editor.prefix);
        return;
      case Incoming.STEP2:
        editor.synced = true;
        return;
      case Incoming.UPDATE: {
        const update = readBytes(cur);
        if (!update) return;
        const now = performance.now();
        const sender = editor.peer;
        let fromPeer = false;
        keystrokesIn(update, sender.trace, wire.mergedBroadcasts, (k) => {
          fromPeer = true;
          const latency = sender.ledger.receive(k, now);
          if (latency >= 0) steps[sender.ledger.step[k]!]?.propagation.push(latency);
        });
        if (!fromPeer && ackKind === 'echo') {
          keystrokesIn(update, editor.trace, wire.mergedBroadcasts, (k) => {
            const latency = editor.ledger.ack(k, now);
            if (latency >= 0) steps[editor.ledger.step[k]!]?.ack.push(latency);
          });
        }
        return;
      }
      case Incoming.ACK:
        // Content message 1 is the SyncStep2 answering the server's SyncStep1; keystroke k is k + 2.
        editor.ledger.ackBelow(readVarUint(cur) - 1, performance.now(), onAck(editor));
        return;
      case Incoming.REDIRECT:
        editor.redirectTo = parseRedirect(cur);
        return;
      default:
        return;
    }
  };

  const connectOne = async (editor: Editor, host: string, port: number): Promise<void> => {
    editor.synced = false;
    const sock = await connectRaw(
      { host, port, path: wire.path(editor.docId) },
      {
        onMessage: (payload) => onMessage(editor, payload),
        onClose: (code) => {
          const target = editor.redirectTo;
          if (code === REDIRECT_CLOSE && target) {
            editor.redirectTo = null;
            redirects++;
            connectOne(editor, target.host, target.port).catch((error: Error) => {
              failure = error;
            });
            return;
          }
          closeCodes[code] = (closeCodes[code] ?? 0) + 1;
        },
      },
    );
    editor.sock = sock;
    for (const body of wire.openBodies) sock.send(body, editor.prefix);
    sock.send(EMPTY_STEP1, editor.prefix);
  };

  const queue = [...editors];
  const workers = Array.from({ length: options.connectConcurrency ?? 64 }, async () => {
    for (let e = queue.shift(); e; e = queue.shift()) {
      await connectOne(e, options.host, options.port);
    }
  });
  await Promise.all(workers);
  await waitFor(
    () => {
      if (failure) throw failure;
      return editors.every((e) => e.synced);
    },
    60_000,
    () => {
      const n = editors.filter((e) => e.synced).length;
      return `${n}/${editors.length} editors synced (closed: ${JSON.stringify(closeCodes)}, ${redirects} redirects)`;
    },
  );

  let rr = 0;
  const settledEditor = (e: Editor) =>
    e.sock?.closed === true ||
    (e.ledger.deliveredCount >= e.ledger.sentCount &&
      (ackKind === 'none' || e.ledger.ackedCount >= e.ledger.sentCount));
  const settle = (timeoutMs: number) =>
    waitFor(() => editors.every(settledEditor), timeoutMs, null).then(
      () => true,
      () => false,
    );

  return {
    editors: editors.length,
    settle,
    accounts: () => steps.map((_, id) => addAccounts(editors.map((e) => e.ledger.account(id)))),
    close() {
      for (const e of editors) e.sock?.close();
    },
    async step(rate, seconds, drainMs) {
      const stepId = steps.length;
      const step: Step = { propagation: [], ack: [] };
      steps.push(step);
      let sent = 0;
      let blocked = 0;
      const lag = monitorEventLoopDelay({ resolution: 5 });
      lag.enable();
      const cpu0 = selfCpuSeconds();
      const wait0 = runQueueSeconds(process.pid);
      const start = performance.now();
      const durationMs = seconds * 1000;
      await new Promise<void>((resolve) => {
        const tick = () => {
          const elapsed = performance.now() - start;
          const target = Math.floor((rate * Math.min(elapsed, durationMs)) / 1000);
          let due = target - sent;
          while (due > 0) {
            due--;
            sent++;
            const editor = editors[rr++ % editors.length]!;
            const k = editor.ledger.sentCount;
            if (k >= editor.bodies.length || !editor.sock || editor.sock.closed) {
              blocked++;
              continue;
            }
            editor.ledger.send(performance.now(), stepId);
            editor.sock.send(editor.bodies[k]!, editor.prefix);
          }
          if (elapsed >= durationMs) resolve();
          else setTimeout(tick, 1);
        };
        tick();
      });
      const wall = (performance.now() - start) / 1000;
      const cpu = (selfCpuSeconds() - cpu0) / wall;
      const wait = (runQueueSeconds(process.pid) - wait0) / wall;
      lag.disable();
      const drainStart = performance.now();
      await settle(drainMs);
      return {
        stepId,
        sent: sent - blocked,
        blocked,
        propagation: Float64Array.from(step.propagation),
        ack: Float64Array.from(step.ack),
        tokens: addAccounts(editors.map((e) => e.ledger.account(stepId))),
        cpu,
        wait,
        lagP99: lag.percentile(99) / 1e6,
        drainMs: performance.now() - drainStart,
        closeCodes: { ...closeCodes },
        redirects,
      };
    },
  };
}

/** Quantiles of a step's raw latencies (ms); null when the server has no ACK or stand-in. */
export function ackQuantiles(kind: AckKind, samples: Float64Array): Quantiles | null {
  return kind === 'none' ? null : quantilesOf(samples);
}

async function waitFor(
  done: () => boolean,
  timeoutMs: number,
  explain: (() => string) | null,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms${explain ? `: ${explain()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
