/**
 * One load-generator process (child of bench/run.ts, see load.ts): opens an editor pool for its
 * share of the documents and runs the steps its parent asks for, reporting its own CPU.
 * Messages (IPC, advanced serialization): `open` -> `opened` | `error`; `step` -> `step`;
 * `settle` -> `settled`; `close` -> exits.
 */
import { type EditorPool, openEditorPool } from './editors.ts';
import { generateTypingTrace } from './trace.ts';
import { type ServerKind, wireFor } from './wire.ts';

export interface TraceSpec {
  readonly keystrokes: number;
  readonly seed: number;
  readonly clientId: number;
}

export type ToGenerator =
  | {
      readonly type: 'open';
      readonly kind: ServerKind;
      readonly host: string;
      readonly port: number;
      readonly docIds: readonly string[];
      readonly traces: readonly [TraceSpec, TraceSpec];
    }
  | {
      readonly type: 'step';
      readonly rate: number;
      readonly seconds: number;
      readonly drainMs: number;
    }
  | { readonly type: 'settle'; readonly timeoutMs: number }
  | { readonly type: 'accounts' }
  | { readonly type: 'close' };

function reply(message: unknown): void {
  process.send?.(message);
}

function serve(): void {
  let pool: EditorPool | null = null;
  process.on('message', (message: ToGenerator) => {
    void (async () => {
      try {
        switch (message.type) {
          case 'open': {
            const traces = [
              generateTypingTrace(message.traces[0]),
              generateTypingTrace(message.traces[1]),
            ] as const;
            pool = await openEditorPool({
              host: message.host,
              port: message.port,
              wire: wireFor(message.kind),
              docIds: message.docIds,
              traces,
            });
            reply({ type: 'opened' });
            return;
          }
          case 'step':
            if (!pool) throw new Error('step before open');
            reply({
              type: 'step',
              result: await pool.step(message.rate, message.seconds, message.drainMs),
            });
            return;
          case 'settle':
            reply({ type: 'settled', ok: pool ? await pool.settle(message.timeoutMs) : true });
            return;
          case 'accounts':
            reply({ type: 'accounts', accounts: pool?.accounts() ?? [] });
            return;
          case 'close':
            pool?.close();
            setTimeout(() => process.exit(0), 200);
            return;
        }
      } catch (error) {
        reply({ type: 'error', message: (error as Error).stack ?? String(error) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

serve();
