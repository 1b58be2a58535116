import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/ringdoc.mjs');

export interface NodeProcessOptions {
  readonly id: string;
  readonly port: number;
  readonly etcd: string;
  readonly dataDir: string;
  readonly prefix?: string;
  readonly leaseTtl?: number;
  readonly extraArgs?: readonly string[];
  readonly env?: Record<string, string>;
}

/** A real `ringdoc node` child process on loopback. */
export interface NodeProcess {
  readonly id: string;
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  readonly dataDir: string;
  /** Everything the process wrote (stdout+stderr), for failure messages. */
  output(): string;
  readonly running: boolean;
  /** True between `pause()` and `resume()`. */
  readonly paused: boolean;
  /** Starts (or restarts) the process and waits until `/readyz` answers 200. */
  start(): Promise<void>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the process exits by itself (e.g. after a drain). */
  exited(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
}

/** Polls `probe` until it returns true or `timeoutMs` passes (then throws `what`). */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function createNodeProcess(options: NodeProcessOptions): NodeProcess {
  let child: ChildProcess | null = null;
  let paused = false;
  let log = '';
  const url = `ws://127.0.0.1:${options.port}`;
  const httpUrl = `http://127.0.0.1:${options.port}`;
  const handle: NodeProcess = {
    id: options.id,
    port: options.port,
    url,
    httpUrl,
    dataDir: options.dataDir,
    output: () => log,
    get paused() {
      return paused;
    },
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (handle.running) return;
      const args = [
        BIN,
        'node',
        '--id',
        options.id,
        '--port',
        String(options.port),
        '--etcd',
        options.etcd,
        '--data',
        options.dataDir,
        '--prefix',
        options.prefix ?? '/ringdoc/',
        '--lease-ttl',
        String(options.leaseTtl ?? 2),
        ...(options.extraArgs ?? []),
      ];
      // Without a secret of its own, a test node runs on loopback with the public one.
      if (!(options.env?.RINGDOC_CLUSTER_SECRET ?? process.env.RINGDOC_CLUSTER_SECRET)) {
        args.push('--insecure-dev-secret');
      }
      const proc = spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, RINGDOC_LOG_LEVEL: 'info', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      trackChild(proc);
      proc.stdout?.on('data', (d: Buffer) => {
        log += d.toString();
      });
      proc.stderr?.on('data', (d: Buffer) => {
        log += d.toString();
      });
      try {
        await waitFor(
          `node ${options.id} ready`,
          async () => {
            if (proc.exitCode !== null) throw new Error(`node ${options.id} exited: ${log}`);
            const res = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
            return res.status === 200;
          },
          30_000,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- node ${options.id} output ---\n${log}`);
      }
    },
    async stop() {
      const proc = child;
      if (!proc || !handle.running) return proc?.exitCode ?? null;
      proc.kill('SIGCONT');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const [code] = (await once(proc, 'exit')) as [number | null];
      clearTimeout(timer);
      return code;
    },
    async exited(timeoutMs = 60_000) {
      const proc = child;
      if (!proc) return null;
      if (!handle.running) return proc.exitCode;
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const [code] = (await once(proc, 'exit')) as [number | null];
      clearTimeout(timer);
      return code;
    },
    async kill() {
      const proc = child;
      if (!proc || !handle.running) return;
      proc.kill('SIGKILL');
      await once(proc, 'exit');
    },
    pause() {
      paused = true;
      child?.kill('SIGSTOP');
    },
    resume() {
      paused = false;
      child?.kill('SIGCONT');
    },
  };
  return handle;
}
