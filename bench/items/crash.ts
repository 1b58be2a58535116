import * as Y from 'yjs';
import { decodeServerFrame } from '../../server/protocol/index.ts';
import { type ByteCursor, readVarUint } from '../lib/identify.ts';
import { connectRaw, type RawSocket } from '../lib/raw-ws.ts';
import { type LaunchEnv, type ServerProcess, startOurs } from '../lib/servers.ts';
import { type Quantiles, Samples } from '../lib/stats.ts';
import { generateTypingTrace } from '../lib/trace.ts';
import {
  EMPTY_STEP1,
  EMPTY_STEP2,
  Incoming,
  readIncoming,
  syncBody,
  wireFor,
} from '../lib/wire.ts';

export interface CrashPlan {
  /** Documents owned by the node that is killed. */
  readonly docs: number;
  /** Lease TTL of the nodes (s). */
  readonly leaseTtl: number;
  /** Give up on a document after this long (ms). */
  readonly timeoutMs: number;
}

export interface CrashResult {
  readonly leaseTtl: number;
  /** Per document: ms from the SIGKILL to the ACK of an update sent after it. */
  readonly writable: Quantiles;
  /** Documents that did not become writable within the timeout. */
  readonly stuck: number;
}

const wire = wireFor('ours');

/**
 * One attempt to write `update` to `docId` through `entry`: follows one REDIRECT, sends the
 * update right after the upgrade (content message 1) and resolves true once ACK ≥ 1 arrives;
 * false when the socket closes, a connection fails or 3 s pass.
 */
function tryWrite(
  entry: ServerProcess,
  docId: string,
  update: Uint8Array,
  state: { epoch: number; deadUrl: string; last?: string; suspect?: string },
): Promise<boolean> {
  return new Promise((resolve) => {
    const cur: ByteCursor = { bytes: new Uint8Array(0), pos: 0 };
    let sock: RawSocket | null = null;
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock?.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), 3000);
    let generation = 0;
    const connect = (host: string, port: number, follow: boolean) => {
      const mine = ++generation;
      const path = `${wire.path(docId)}${state.epoch ? `&epoch=${state.epoch}` : ''}${state.suspect ? `&suspect=${state.suspect}` : ''}`;
      connectRaw(
        { host, port, path, timeoutMs: 2000 },
        {
          onMessage(payload) {
            cur.bytes = payload;
            cur.pos = 0;
            const kind = readIncoming(cur, false);
            if (kind === Incoming.STEP1) sock?.send(EMPTY_STEP2);
            else if (kind === Incoming.ACK && readVarUint(cur) >= 1) finish(true);
            else if (kind === Incoming.REDIRECT) {
              const frame = decodeServerFrame(Buffer.from(payload));
              if (frame.type !== 'redirect') return;
              state.epoch = Math.max(state.epoch, frame.epoch);
              generation++;
              sock?.destroy();
              sock = null;
              const url = new URL(frame.url);
              state.last = `redirect to ${frame.url}`;
              if (!follow || frame.url === state.deadUrl) finish(false);
              else connect(url.hostname, Number(url.port), false);
            }
          },
          onClose: (code) => {
            if (mine !== generation) return;
            state.last = `closed ${code} at ${port}`;
            finish(false);
          },
        },
      ).then(
        (s) => {
          if (settled || mine !== generation) {
            s.destroy();
            return;
          }
          sock = s;
          s.send(syncBody(2, update));
          s.send(EMPTY_STEP1);
        },
        (error: Error) => {
          state.last = `connect ${port}: ${error.message}`;
          finish(false);
        },
      );
    };
    connect(entry.host, entry.port, true);
  });
}

/**
 * Crash fail-over (DESIGN M4, with provisional takeover M8): a 3-node cluster; `plan.docs` documents owned by n2 each get
 * one acknowledged update (so the replicas hold them), then n2 is SIGKILLed. For every
 * document a client keeps trying (every 100 ms, through n1, following REDIRECT) to write a
 * new update; the figure is the time from the kill to that update's ACK.
 */
export async function runCrash(env: LaunchEnv, plan: CrashPlan, tag: string): Promise<CrashResult> {
  const nodes = await startOurs(env, 3, { leaseTtl: plan.leaseTtl });
  try {
    const [entry, victim] = [nodes[0]!, nodes[1]!];
    const docIds: string[] = [];
    for (let i = 0; docIds.length < plan.docs && i < plan.docs * 20; i++) {
      const docId = `${tag}-k${i}`;
      const route = (await (
        await fetch(`http://${entry.host}:${entry.port}/route/${docId}`)
      ).json()) as { owner: string };
      if (route.owner === victim.id) docIds.push(docId);
    }
    const trace = generateTypingTrace({ keystrokes: 2, seed: 9, clientId: 9009 });
    const before = trace.updates[0]!;
    const after = Y.mergeUpdates([trace.updates[0]!, trace.updates[1]!]);
    const deadUrl = `ws://${victim.host}:${victim.port}`;
    for (const docId of docIds) {
      const state = { epoch: 0, deadUrl: '' };
      if (!(await tryWrite(victim, docId, before, state))) {
        throw new Error(`could not write ${docId} at its owner before the crash`);
      }
    }
    const killed = performance.now();
    await victim.stop();
    const writable = new Samples();
    let stuck = 0;
    await Promise.all(
      docIds.map(async (docId) => {
        // M8 (P30): the client names the node it lost; the next holder serves at once.
        const state = { epoch: 0, deadUrl, suspect: victim.id };
        while (performance.now() - killed < plan.timeoutMs) {
          if (await tryWrite(entry, docId, after, state)) {
            writable.add(performance.now() - killed);
            return;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        stuck++;
      }),
    );
    return { leaseTtl: plan.leaseTtl, writable: writable.summary(), stuck };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}
