import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type ByteCursor, lastKeystrokeIn, readVarUint } from './identify.ts';
import { cpuMeter } from './proc.ts';
import { connectRaw, type RawSocket } from './raw-ws.ts';
import { type Quantiles, Samples } from './stats.ts';
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

/** Keystrokes an editor may have in flight (sent, not yet seen by its peer or acked). */
const RING = 4096;
const MASK = RING - 1;

/** One measured load step. Latencies in ms. */
export interface StepResult {
  /** Offered updates/s (all editors together). */
  readonly rate: number;
  readonly seconds: number;
  /** Updates sent, and the rate that was actually achieved. */
  readonly sent: number;
  readonly achievedRate: number;
  /** Updates whose arrival at the other editor of the document was seen. */
  readonly delivered: number;
  readonly propagation: Quantiles;
  /** Durable-ack latency (ringdoc only), null for servers that do not ack. */
  readonly ack: Quantiles | null;
  /** CPU share (1 = one core) of the load generator and of the server over the step. */
  readonly clientCpu: number;
  readonly serverCpu: number;
  /** Share of the step the server's / generator's main thread waited for a CPU (contention). */
  readonly serverWait: number;
  readonly clientWait: number;
  /** CPU share (cores) used by everything else on the machine, kernel threads included. */
  readonly otherCpu: number;
  /** p99 event-loop delay of the load generator (ms): high means it sent late. */
  readonly clientLagP99: number;
  /** Editors that could not send because RING keystrokes were in flight. */
  readonly blocked: number;
  /** Sockets closed by the server so far. */
  readonly closedSockets: number;
  /** This is the second try of a step whose first try failed while starved of CPU. */
  readonly retried?: boolean;
}

export interface EditorPoolOptions {
  readonly host: string;
  readonly port: number;
  readonly wire: Wire;
  readonly docIds: readonly string[];
  /** Traces of the two editors of every document (editor A, editor B). */
  readonly traces: readonly [TypingTrace, TypingTrace];
  /** pid of the server process, for its CPU share. */
  readonly serverPid: number;
  /** Upgrades in flight at once while connecting (default 64). */
  readonly connectConcurrency?: number;
}

/** Two editors per document on raw sockets, replaying their traces at a chosen total rate. */
export interface EditorPool {
  readonly editors: number;
  /** Runs one step at `rate` updates/s for `seconds`, then waits ≤ `drainMs` for stragglers. */
  step(rate: number, seconds: number, drainMs: number): Promise<StepResult>;
  /** Waits ≤ `timeoutMs` until every update sent so far was delivered (and acked); true if so. */
  settle(timeoutMs: number): Promise<boolean>;
  /** Sends a close frame on every socket. */
  close(): void;
}

interface Step {
  readonly propagation: Samples;
  readonly ack: Samples;
  delivered: number;
}

class Editor {
  sock: RawSocket | null = null;
  peer: Editor = this;
  next = 0;
  delivered = 0;
  acked = 0;
  synced = false;
  readonly sendTime = new Float64Array(RING);
  readonly sendStep = new Int32Array(RING);

  constructor(
    readonly docId: string,
    readonly trace: TypingTrace,
    readonly bodies: readonly Uint8Array[],
    readonly prefix: Uint8Array,
  ) {}

  get inFlight(): number {
    return this.next - Math.min(this.delivered, this.acked);
  }
}

/**
 * Connects two raw-socket editors to every document, completes the sync handshake and
 * resolves once all are synced (rejects if any connection fails or 60 s pass).
 */
export async function openEditorPool(options: EditorPoolOptions): Promise<EditorPool> {
  const { wire } = options;
  const hasPrefix = wire.prefix('x').length > 0;
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
  let closedSockets = 0;
  const cur: ByteCursor = { bytes: new Uint8Array(0), pos: 0 };

  const deliver = (sender: Editor, upTo: number) => {
    const now = performance.now();
    const end = Math.min(upTo + 1, sender.next);
    for (let k = sender.delivered; k < end; k++) {
      const step = steps[sender.sendStep[k & MASK]!];
      if (step) {
        step.propagation.add(now - sender.sendTime[k & MASK]!);
        step.delivered++;
      }
    }
    if (end > sender.delivered) sender.delivered = end;
  };

  const acknowledge = (editor: Editor, count: number) => {
    // Content message 1 is the SyncStep2 answering the server's SyncStep1; keystroke k is k + 2.
    const now = performance.now();
    const end = Math.min(count - 1, editor.next);
    for (let k = editor.acked; k < end; k++) {
      steps[editor.sendStep[k & MASK]!]?.ack.add(now - editor.sendTime[k & MASK]!);
    }
    if (end > editor.acked) editor.acked = end;
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
        const k = lastKeystrokeIn(update, editor.peer.trace, wire.mergedBroadcasts);
        if (k >= 0) deliver(editor.peer, k);
        return;
      }
      case Incoming.ACK:
        acknowledge(editor, readVarUint(cur));
        return;
      default:
        return;
    }
  };

  const connectOne = async (editor: Editor) => {
    editor.sock = await connectRaw(
      { host: options.host, port: options.port, path: wire.path(editor.docId) },
      {
        onMessage: (payload) => onMessage(editor, payload),
        onClose: () => {
          closedSockets++;
        },
      },
    );
    for (const body of wire.openBodies) editor.sock.send(body, editor.prefix);
    editor.sock.send(EMPTY_STEP1, editor.prefix);
  };

  const queue = [...editors];
  const workers = Array.from({ length: options.connectConcurrency ?? 64 }, async () => {
    for (let e = queue.shift(); e; e = queue.shift()) await connectOne(e);
  });
  await Promise.all(workers);
  await waitFor(
    () => editors.every((e) => e.synced),
    60_000,
    () => {
      const n = editors.filter((e) => e.synced).length;
      return `${n}/${editors.length} editors synced (${closedSockets} sockets closed)`;
    },
  );
  if (!wire.acks) for (const e of editors) e.acked = Number.MAX_SAFE_INTEGER;

  let rr = 0;
  const meter = cpuMeter(options.serverPid);

  const settle = (timeoutMs: number) =>
    waitFor(
      () =>
        editors.every(
          (e) => e.sock?.closed === true || (e.delivered >= e.next && e.acked >= e.next),
        ),
      timeoutMs,
      null,
    ).then(
      () => true,
      () => false,
    );

  return {
    editors: editors.length,
    settle,
    close() {
      for (const e of editors) e.sock?.close();
    },
    async step(rate, seconds, drainMs) {
      const stepId = steps.length;
      const step: Step = { propagation: new Samples(), ack: new Samples(), delivered: 0 };
      steps.push(step);
      let sent = 0;
      let blocked = 0;
      const lag = monitorEventLoopDelay({ resolution: 5 });
      lag.enable();
      meter.start();
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
            if (
              editor.next >= editor.bodies.length ||
              editor.inFlight >= RING - 1 ||
              !editor.sock
            ) {
              blocked++;
              continue;
            }
            const k = editor.next;
            editor.sendTime[k & MASK] = performance.now();
            editor.sendStep[k & MASK] = stepId;
            editor.next = k + 1;
            editor.sock.send(editor.bodies[k]!, editor.prefix);
          }
          if (elapsed >= durationMs) resolve();
          else setTimeout(tick, 1);
        };
        tick();
      });
      const cpu = meter.stop();
      lag.disable();
      const actuallySent = sent - blocked;
      await settle(drainMs);
      return {
        rate,
        seconds,
        sent: actuallySent,
        achievedRate: actuallySent / seconds,
        delivered: step.delivered,
        propagation: step.propagation.summary(),
        ack: wire.acks ? step.ack.summary() : null,
        clientCpu: cpu.client,
        serverCpu: cpu.server,
        serverWait: cpu.serverWait,
        clientWait: cpu.clientWait,
        otherCpu: cpu.other,
        clientLagP99: lag.percentile(99) / 1e6,
        blocked,
        closedSockets,
      };
    },
  };
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
