import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { groupAlive, isAlive } from './proc.ts';

/**
 * Shell watchdog: while the owner ($1) lives, check every second that the child ($2) still runs
 * (exit quietly once it is gone); when the owner dies, SIGTERM the child's process group, then
 * SIGKILL it 10 s later.
 */
const WATCHDOG = [
  'while kill -0 "$1" 2>/dev/null; do kill -0 "$2" 2>/dev/null || exit 0; sleep 1; done',
  'kill -TERM -"$2" 2>/dev/null; sleep 10; kill -KILL -"$2" 2>/dev/null; exit 0',
].join('\n');

export interface SpawnManagedOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** File that receives the process's stdout and stderr (appended; its folder is created). */
  readonly logFile: string;
  /**
   * The process whose death must take this one down (default: this process). `null`: no
   * watchdog (the process outlives everything until stopped by pid).
   */
  readonly ownerPid?: number | null;
}

/** A process started in its own process group, with its output in a log file. */
export interface ManagedProcess {
  readonly pid: number;
  readonly watchdogPid: number | null;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** True until the process has exited. */
  running(): boolean;
}

/**
 * Starts `command` detached (its own process group, so a terminal's Ctrl-C reaches only the
 * launcher, which then stops everything in order) with stdout/stderr appended to `logFile`.
 * Unless `ownerPid` is `null`, a detached watchdog shell kills the process group if the owner
 * dies without stopping it (SIGKILL of the launcher). The child does not keep this process's
 * event loop alive. Throws when the command cannot be spawned (e.g. ENOENT).
 */
export function spawnManaged(options: SpawnManagedOptions): ManagedProcess {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv | undefined,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.command}`);
  let exitValue: number | string | null = null;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitValue = code ?? signal ?? 'unknown';
      resolve(exitValue);
    });
  });
  child.unref();
  const owner = options.ownerPid === undefined ? process.pid : options.ownerPid;
  let watchdogPid: number | null = null;
  if (owner !== null) {
    const watchdog = spawn('sh', ['-c', WATCHDOG, 'ringdoc-watchdog', String(owner), String(pid)], {
      detached: true,
      stdio: 'ignore',
    });
    watchdog.unref();
    watchdogPid = watchdog.pid ?? null;
  }
  return {
    pid,
    watchdogPid,
    logFile: options.logFile,
    exited,
    running: () => exitValue === null,
  };
}

/** Sends `signal` to the process group `pgid` (a detached child's pid); false when it is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the process group led by `pid`: `signal` (default SIGTERM), then SIGKILL after `graceMs`
 * (default 10 s) if anything of the group is left; resolves once the group is gone (or after
 * another 5 s, then rejects). Works for processes this process did not start (pid from a state
 * file). Also kills the watchdog group (`watchdogPid`) so nothing is left behind.
 */
export async function stopGroup(
  pid: number,
  options: { signal?: NodeJS.Signals; graceMs?: number; watchdogPid?: number | null } = {},
): Promise<void> {
  const deadline = Date.now() + (options.graceMs ?? 10_000);
  signalGroup(pid, options.signal ?? 'SIGTERM');
  while ((groupAlive(pid) || isAlive(pid)) && Date.now() < deadline) await delay(50);
  if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
  const hardDeadline = Date.now() + 5000;
  while (groupAlive(pid) || isAlive(pid)) {
    if (Date.now() > hardDeadline) throw new Error(`process ${pid} did not exit after SIGKILL`);
    await delay(50);
  }
  if (options.watchdogPid) signalGroup(options.watchdogPid, 'SIGKILL');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
