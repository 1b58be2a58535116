import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { singleMemberEtcdArgs } from './etcd-args.ts';
import { findFreePort } from './free-port.ts';

export interface EtcdServerOptions {
  /** etcd binary (default `/usr/bin/etcd`, Debian's `etcd-server`). */
  readonly binary?: string;
  /** etcdctl binary (default `/usr/bin/etcdctl`, Debian's `etcd-client`). */
  readonly etcdctl?: string;
  /** Backend quota (default 256 MiB: small, so a runaway test hits NOSPACE instead of the disk). */
  readonly quotaBackendBytes?: number;
  /** How long to wait for `/health` after spawning (default 20 s). */
  readonly startTimeoutMs?: number;
  /** etcd's `--log-level` (default `warn`). Output is captured, never printed: see `output()`. */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** A real single-member etcd on loopback, owned by this process. */
export interface EtcdServer {
  /** `http://127.0.0.1:<clientPort>` */
  readonly endpoint: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  /** pid of the running etcd, or `null` when it is not running. */
  pid(): number | null;
  /** The last ~64 KB etcd wrote (stdout + stderr), for failure messages. */
  output(): string;
  /** SIGKILLs etcd, waits for it to exit and deletes the data dir. Final and idempotent. */
  stop(): Promise<void>;
  /** SIGKILLs etcd (a crash) and waits for it to exit; the data dir stays for `restart()`. */
  kill(): Promise<void>;
  /** SIGSTOP: etcd keeps its sockets open but answers nothing (a pause, GC or VM stall). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Kills etcd if it runs, then starts it again on the same ports and data dir; waits until healthy. */
  restart(): Promise<void>;
  /** The current store revision (via etcdctl). */
  revision(): Promise<number>;
  /** Compacts history up to `revision` (default: the current revision), physically; returns it. */
  compact(revision?: number): Promise<number>;
  /** Runs `etcdctl --endpoints <endpoint> …args` (10 s timeout) and resolves with its stdout. */
  etcdctl(...args: string[]): Promise<string>;
}

const OUTPUT_LIMIT = 64 * 1024;
const WATCHDOG =
  'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null';

/**
 * Starts a real etcd on free loopback ports (client + peer, below 32768) in a fresh temp data dir
 * and resolves once `/health` answers. Auto-compaction is off (tests compact explicitly).
 *
 * No etcd outlives the test run: `stop()`/`kill()` SIGKILL it, a process `exit` hook kills it,
 * and a detached watchdog shell kills it if this process dies without running hooks (SIGKILL,
 * vitest worker teardown). Throws a clear error when `/usr/bin/etcd` is missing
 * (install `etcd-server`), or with etcd's output when it does not become healthy in time.
 */
export async function startEtcd(options: EtcdServerOptions = {}): Promise<EtcdServer> {
  const binary = options.binary ?? '/usr/bin/etcd';
  const etcdctl = options.etcdctl ?? '/usr/bin/etcdctl';
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(
      `etcd not found at ${binary}: install etcd-server (apt-get install etcd-server etcd-client)`,
    );
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-etcd-'));
  const clientPort = await findFreePort();
  const peerPort = await findFreePort(new Set([clientPort]));
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const name = `ringdoc-${clientPort}`;
  const args = [
    ...singleMemberEtcdArgs({
      name,
      dataDir,
      endpoint,
      peerUrl,
      logLevel: options.logLevel ?? 'warn',
    }),
    '--initial-cluster-token',
    `ringdoc-test-${clientPort}-${process.pid}`,
    '--auto-compaction-retention',
    '0',
    '--quota-backend-bytes',
    String(options.quotaBackendBytes ?? 256 * 1024 * 1024),
  ];
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;

  let child: ChildProcess | null = null;
  let watchdog: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let stopped = false;

  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  const killNow = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (watchdog?.pid) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      watchdog = null;
    }
  };
  const onExit = () => killNow();

  const spawnEtcd = async () => {
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    exited = new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.once('error', (error) => {
        append(Buffer.from(`\nspawn error: ${error.message}\n`));
        resolve();
      });
    });
    if (proc.pid) {
      watchdog = spawn(
        'sh',
        ['-c', WATCHDOG, 'etcd-watchdog', String(process.pid), String(proc.pid)],
        {
          detached: true,
          stdio: 'ignore',
        },
      );
      watchdog.unref();
    }
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `etcd exited (${proc.exitCode ?? proc.signalCode}) during start:\n${output}`,
        );
      }
      if (await healthy(endpoint)) return;
      if (Date.now() > deadline) {
        killNow();
        throw new Error(`etcd at ${endpoint} not healthy after ${startTimeoutMs} ms:\n${output}`);
      }
      await delay(50);
    }
  };

  const killAndWait = async () => {
    const running = child;
    killNow();
    if (running) {
      await Promise.race([exited, delay(10_000)]);
      if (running.exitCode === null && running.signalCode === null) {
        throw new Error(`etcd pid ${running.pid} did not exit after SIGKILL`);
      }
    }
    child = null;
  };

  const ctl = (...ctlArgs: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        etcdctl,
        ['--endpoints', endpoint, '--command-timeout=5s', ...ctlArgs],
        { timeout: 10_000 },
        (error, stdout, stderr) => {
          if (error)
            reject(new Error(`etcdctl ${ctlArgs.join(' ')} failed: ${error.message}\n${stderr}`));
          else resolve(stdout);
        },
      );
    });

  process.on('exit', onExit);
  try {
    await spawnEtcd();
  } catch (error) {
    process.off('exit', onExit);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  const server: EtcdServer = {
    endpoint,
    clientPort,
    peerPort,
    dataDir,
    pid: () =>
      child && child.exitCode === null && child.signalCode === null ? (child.pid ?? null) : null,
    output: () => output,
    async stop() {
      if (stopped) return;
      stopped = true;
      await killAndWait();
      process.off('exit', onExit);
      await rm(dataDir, { recursive: true, force: true });
    },
    kill: () => killAndWait(),
    pause() {
      const pid = server.pid();
      if (pid === null) throw new Error('etcd is not running');
      process.kill(pid, 'SIGSTOP');
    },
    resume() {
      const pid = server.pid();
      if (pid === null) throw new Error('etcd is not running');
      process.kill(pid, 'SIGCONT');
    },
    async restart() {
      if (stopped) throw new Error('etcd server was stopped; start a new one');
      await killAndWait();
      await spawnEtcd();
    },
    async revision() {
      const status = JSON.parse(await ctl('endpoint', 'status', '-w', 'json')) as Array<{
        Status?: { header?: { revision?: number } };
      }>;
      const revision = status[0]?.Status?.header?.revision;
      if (typeof revision !== 'number') throw new Error('etcdctl endpoint status gave no revision');
      return revision;
    },
    async compact(revision?: number) {
      const target = revision ?? (await server.revision());
      await ctl('compact', String(target), '--physical');
      return target;
    },
    etcdctl: (...ctlArgs) => ctl(...ctlArgs),
  };
  return server;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!response.ok) return false;
    const body = (await response.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
