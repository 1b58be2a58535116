import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  CloseCode,
  closeCodeInfo,
  decodeServerFrame,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  encodeTicket,
  formatConnectPath,
  PROTOCOL_VERSION,
  type Redirect,
} from '../../../server/protocol/index.ts';

export interface SeedOptions {
  readonly docId: string;
  /** The initial Yjs update (see `buildInitialUpdate`). */
  readonly update: Uint8Array;
  /** Owner's WebSocket base URL from the web app's own ring view; `null` when unknown. */
  readonly ownerUrl: () => string | null;
  /** Member URLs a REDIRECT may point to (normalised ws base URLs). */
  readonly isKnownUrl: (url: string) => boolean;
  /** Build sent at connect (C6). */
  readonly build: string;
  /** Gives up after this long (default 15 000 ms). */
  readonly timeoutMs?: number;
  /** An access ticket for the document, sent first on each connection (P21); absent: none. */
  readonly ticket?: () => Promise<string>;
}

/** `written`: this call put the initial content in; `present`: the node already had content. */
export type SeedOutcome = 'written' | 'present';

/**
 * Writes the initial content of a brand-new document to its owner node as an ordinary
 * protocol client (DESIGN W4): connect, sync, and only if the node's copy is still empty send
 * `update`, then wait for the durable ACK (C4). Follows redirects to known members and
 * retries retryable closes until `timeoutMs`. The caller must make sure one seeder runs per
 * document at a time (the etcd claim in `ensureDocument`): the emptiness check is not atomic.
 * Rejects with the reason when the node refuses for good or time runs out.
 */
export async function seedDocument(options: SeedOptions): Promise<SeedOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let redirectUrl: string | null = null;
  let hops = 0;
  let lastError = 'no owner known';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const base = redirectUrl ?? options.ownerUrl();
    redirectUrl = null;
    if (base !== null) {
      const ticket = options.ticket ? await options.ticket() : null;
      const result = await seedOnce(base, options, deadline - Date.now(), ticket);
      if (result.kind === 'done') return result.outcome;
      if (result.kind === 'fatal') throw new Error(result.reason);
      lastError = result.reason;
      if (result.kind === 'redirect' && hops < 5 && options.isKnownUrl(result.target.url)) {
        hops++;
        redirectUrl = result.target.url;
        continue;
      }
    }
    hops = 0;
    await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** Math.min(attempt, 4), 1000)));
  }
  throw new Error(`could not seed ${options.docId}: ${lastError}`);
}

type Attempt =
  | { kind: 'done'; outcome: SeedOutcome }
  | { kind: 'redirect'; target: Redirect; reason: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'fatal'; reason: string };

function seedOnce(
  base: string,
  options: SeedOptions,
  budgetMs: number,
  ticket: string | null,
): Promise<Attempt> {
  return new Promise((resolve) => {
    const url = `${base}${formatConnectPath({
      docId: options.docId,
      build: options.build,
      proto: PROTOCOL_VERSION,
    })}`;
    const doc = new Y.Doc();
    const socket = new WebSocket(url);
    let sent = 0;
    let seedSeq = 0;
    let redirect: Redirect | null = null;
    let notice = '';
    let settled = false;
    const finish = (result: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      doc.destroy();
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.close(1000, 'seed done');
      }
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ kind: 'retry', reason: 'timed out' }),
      Math.max(budgetMs, 1),
    );
    const send = (frame: Uint8Array, content: boolean) => {
      socket.send(frame);
      if (content) sent++;
    };
    socket.binaryType = 'nodebuffer';
    socket.on('open', () => {
      if (ticket) send(encodeTicket(ticket), false);
      send(encodeSyncStep1(Y.encodeStateVector(doc)), false);
    });
    socket.on('message', (data: Buffer) => {
      let frame: ReturnType<typeof decodeServerFrame>;
      try {
        frame = decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      } catch (error) {
        finish({ kind: 'retry', reason: `malformed frame: ${(error as Error).message}` });
        return;
      }
      switch (frame.type) {
        case 'sync-step1':
          send(encodeSyncStep2(Y.encodeStateAsUpdate(doc, frame.stateVector)), true);
          return;
        case 'sync-step2': {
          Y.applyUpdate(doc, frame.update);
          if (Y.encodeStateVector(doc).length > 1) {
            finish({ kind: 'done', outcome: 'present' });
            return;
          }
          send(encodeSyncUpdate(options.update), true);
          seedSeq = sent;
          return;
        }
        case 'ack':
          if (seedSeq > 0 && frame.count >= seedSeq) finish({ kind: 'done', outcome: 'written' });
          return;
        case 'redirect':
          redirect = frame;
          return;
        case 'notice':
          notice = frame.reason;
          return;
        default:
          return;
      }
    });
    socket.on('close', (code: number, reasonBuffer: Buffer) => {
      const reason = notice || reasonBuffer.toString('utf8') || closeCodeInfo(code).reason;
      if (code === CloseCode.REDIRECT && redirect) {
        finish({ kind: 'redirect', target: redirect, reason: `redirected to ${redirect.owner}` });
        return;
      }
      const action = closeCodeInfo(code).action;
      if (action === 'retry' || action === 'follow-redirect') {
        finish({ kind: 'retry', reason: `closed ${code}: ${reason}` });
      } else {
        finish({ kind: 'fatal', reason: `closed ${code}: ${reason}` });
      }
    });
    socket.on('error', (error: Error) => {
      finish({ kind: 'retry', reason: error.message });
    });
  });
}
