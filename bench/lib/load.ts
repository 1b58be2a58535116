/**
 * The load generator spread over processes (issue 14): `generators` child processes
 * (`generator.ts`), each driving the editors of its share of the documents and reporting its
 * own CPU; this side merges their per-token measurements into one step and measures the
 * servers' CPU. A step during which a generator process used ≥ 90 % of a core, or all of them
 * together ≥ 90 % of the cores they may use, is `clientBound`: it measured the generator.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AckKind, ackKindOf, ackQuantiles, type GeneratorStep } from './editors.ts';
import type { ToGenerator, TraceSpec } from './generator.ts';
import { serverMeter } from './proc.ts';
import { concatSamples, type Quantiles, quantilesOf } from './stats.ts';
import { addAccounts, type TokenAccount } from './tokens.ts';
import { type ServerKind, wireFor } from './wire.ts';

const GENERATOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generator.ts');

/** CPU share of one core from which a generator (or all of them) is the bottleneck. */
export const CLIENT_BOUND_CPU = 0.9;

/** One generator process's own figures in a step. */
export interface GeneratorShare {
  readonly cpu: number;
  readonly wait: number;
  readonly lagP99: number;
}

/** One measured load step over every generator process. Latencies in ms. */
export interface StepResult {
  /** Offered updates/s (all editors together). */
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly achievedRate: number;
  /** Tokens received by the other editor at least once (per token, not a count of messages). */
  readonly delivered: number;
  readonly tokens: TokenAccount;
  readonly propagation: Quantiles;
  /** ACK latency, or its stand-in (`ackKind`); null when there is none. */
  readonly ack: Quantiles | null;
  readonly ackKind: AckKind;
  /** Generator CPU: the sum over processes (1 = one core), and each process's own. */
  readonly clientCpu: number;
  readonly generators: readonly GeneratorShare[];
  readonly clientBound: boolean;
  /**
   * CPU share of the server processes together over the step and its drain, the CPU seconds
   * that is, and the most any of them waited for a CPU.
   */
  readonly serverCpu: number;
  readonly serverCpuSeconds: number;
  readonly serverWait: number;
  readonly clientWait: number;
  /** CPU (cores) used by everything else on the machine. */
  readonly otherCpu: number;
  readonly clientLagP99: number;
  readonly blocked: number;
  /** Sockets the server closed so far, and their close codes (redirects excluded). */
  readonly closedSockets: number;
  readonly closeCodes: Record<string, number>;
  readonly redirects: number;
  /** ms after the last send until every token was delivered and acked (or the drain limit). */
  readonly drainMs: number;
  /** Id of the step in the generators (for `finalAccounts`). */
  readonly stepId: number;
  /**
   * Tokens not delivered when the step's drain ended. `tokens` starts equal to the counts at
   * that moment and is replaced by the final counts (`withFinalTokens`) once the sweep ends, so
   * `tokens.lost` is what never arrived and this is what arrived late or never.
   */
  readonly undeliveredAtDrain: number;
  readonly retried?: boolean;
}

export interface LoadOptions {
  readonly kind: ServerKind;
  readonly host: string;
  readonly port: number;
  readonly docIds: readonly string[];
  readonly traces: readonly [TraceSpec, TraceSpec];
  readonly serverPids: readonly number[];
  /** Generator processes (≥ 1) and the cores they may use between them. */
  readonly generators: number;
  readonly generatorCores: number;
}

export interface LoadPool {
  readonly editors: number;
  step(rate: number, seconds: number, drainMs: number): Promise<StepResult>;
  settle(timeoutMs: number): Promise<boolean>;
  /** The final per-token accounts of every step so far, by step id, over every generator. */
  finalAccounts(): Promise<TokenAccount[]>;
  close(): Promise<void>;
}

interface Child {
  readonly process: ChildProcess;
  request<T>(message: ToGenerator, reply: string): Promise<T>;
}

function startChild(): Child {
  const child = fork(GENERATOR, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: { reply: string; resolve: (m: never) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (message: { type: string; message?: string }) => {
    const next = waiting.shift();
    if (!next) return;
    if (message.type === 'error') next.reject(new Error(`generator: ${message.message}`));
    else next.resolve(message as never);
  });
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`generator exited (${code})`));
  });
  return {
    process: child,
    request<T>(message: ToGenerator, reply: string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({ reply, resolve: resolve as (m: never) => void, reject });
        child.send(message);
      });
    },
  };
}

/** Splits `items` round-robin into `n` shares. */
export function shares<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => {
    out[i % n]!.push(item);
  });
  return out.filter((s) => s.length > 0);
}

/** Merges the generator processes' reports of one step (pure). */
export function mergeStep(
  rate: number,
  seconds: number,
  parts: readonly GeneratorStep[],
  ackKind: AckKind,
  server: { cpu: number; wait: number; other: number; wall: number },
  generatorCores: number,
): StepResult {
  const tokens = addAccounts(parts.map((p) => p.tokens));
  const sent = parts.reduce((a, p) => a + p.sent, 0);
  const clientCpu = parts.reduce((a, p) => a + p.cpu, 0);
  const closeCodes: Record<string, number> = {};
  for (const p of parts) {
    for (const [code, n] of Object.entries(p.closeCodes))
      closeCodes[code] = (closeCodes[code] ?? 0) + n;
  }
  return {
    rate,
    seconds,
    sent,
    achievedRate: sent / seconds,
    delivered: tokens.delivered,
    tokens,
    propagation: quantilesOf(concatSamples(parts.map((p) => p.propagation))),
    ack: ackQuantiles(ackKind, concatSamples(parts.map((p) => p.ack))),
    ackKind,
    clientCpu,
    generators: parts.map((p) => ({ cpu: p.cpu, wait: p.wait, lagP99: p.lagP99 })),
    clientBound:
      parts.some((p) => p.cpu >= CLIENT_BOUND_CPU) ||
      clientCpu >= CLIENT_BOUND_CPU * generatorCores,
    serverCpu: server.cpu,
    serverCpuSeconds: server.cpu * server.wall,
    serverWait: server.wait,
    clientWait: Math.max(0, ...parts.map((p) => p.wait)),
    otherCpu: Math.max(0, server.other - clientCpu),
    clientLagP99: Math.max(0, ...parts.map((p) => p.lagP99)),
    blocked: parts.reduce((a, p) => a + p.blocked, 0),
    closedSockets: Object.values(closeCodes).reduce((a, n) => a + n, 0),
    closeCodes,
    redirects: parts.reduce((a, p) => a + p.redirects, 0),
    drainMs: Math.max(0, ...parts.map((p) => p.drainMs)),
    stepId: parts[0]?.stepId ?? -1,
    undeliveredAtDrain: tokens.lost,
  };
}

/** `step` with the final per-token counts of its step id (pure). */
export function withFinalTokens(step: StepResult, finals: readonly TokenAccount[]): StepResult {
  const tokens = finals[step.stepId];
  return tokens ? { ...step, tokens, delivered: tokens.delivered } : step;
}

/**
 * Starts the generator processes, gives each its share of the documents (both editors of a
 * document stay in one process) and resolves once every editor is synced.
 */
export async function openLoad(options: LoadOptions): Promise<LoadPool> {
  const groups = shares(options.docIds, Math.max(1, options.generators));
  const children = groups.map(() => startChild());
  const ackKind = ackKindOf(wireFor(options.kind));
  const meter = serverMeter(options.serverPids);
  const stopAll = () => {
    for (const c of children) c.process.kill('SIGKILL');
  };
  try {
    await Promise.all(
      children.map((c, i) =>
        c.request(
          {
            type: 'open',
            kind: options.kind,
            host: options.host,
            port: options.port,
            docIds: groups[i]!,
            traces: options.traces,
          },
          'opened',
        ),
      ),
    );
  } catch (error) {
    stopAll();
    throw error;
  }
  return {
    editors: options.docIds.length * 2,
    async step(rate, seconds, drainMs) {
      meter.start();
      const parts = await Promise.all(
        children.map((c, i) =>
          c
            .request<{ result: GeneratorStep }>(
              {
                type: 'step',
                rate: (rate * groups[i]!.length) / options.docIds.length,
                seconds,
                drainMs,
              },
              'step',
            )
            .then((m) => m.result),
        ),
      );
      return mergeStep(rate, seconds, parts, ackKind, meter.stop(), options.generatorCores);
    },
    async settle(timeoutMs) {
      const oks = await Promise.all(
        children.map((c) =>
          c.request<{ ok: boolean }>({ type: 'settle', timeoutMs }, 'settled').then((m) => m.ok),
        ),
      );
      return oks.every(Boolean);
    },
    async finalAccounts() {
      const lists = await Promise.all(
        children.map((c) =>
          c
            .request<{ accounts: TokenAccount[] }>({ type: 'accounts' }, 'accounts')
            .then((m) => m.accounts),
        ),
      );
      const n = Math.max(0, ...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, id) =>
        addAccounts(lists.flatMap((l) => (l[id] ? [l[id]!] : []))),
      );
    },
    async close() {
      for (const c of children) c.process.send({ type: 'close' } satisfies ToGenerator);
      await new Promise((r) => setTimeout(r, 300));
      stopAll();
    },
  };
}
