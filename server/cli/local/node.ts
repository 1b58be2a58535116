import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NODE_PROCESS_ENV } from '../../node/process-env.ts';
import { type ManagedProcess, spawnManaged, stopGroup } from './managed-process.ts';
import { REPO_ROOT, RINGDOC_BIN } from './paths.ts';
import { type LocalSecrets, nodeSecretEnv } from './secrets.ts';
import type { LocalNodeState } from './state.ts';
import { WaitAborted, waitFor } from './wait.ts';

export interface LocalNodeSpec {
  readonly id: string;
  readonly port: number;
  readonly etcd: string;
  readonly prefix: string;
  readonly dataDir: string;
  readonly leaseTtl: number;
  readonly logFile: string;
  /** The cluster's credentials; `null`: the loopback development secret, no access control. */
  readonly secrets: LocalSecrets | null;
}

/** The `ringdoc node` arguments (after `bin/ringdoc.mjs`) of a local node. Pure. */
export function localNodeArgs(spec: LocalNodeSpec): string[] {
  return [
    'node',
    '--id',
    spec.id,
    '--port',
    String(spec.port),
    '--etcd',
    spec.etcd,
    '--data',
    spec.dataDir,
    '--prefix',
    spec.prefix,
    '--lease-ttl',
    String(spec.leaseTtl),
    ...(spec.secrets
      ? ['--ticket-public-key', spec.secrets.ticketPublicKeyFile]
      : ['--insecure-dev-secret']),
  ];
}

/** `env` without the credentials of another cluster (a local cluster brings its own). */
export function withoutSecrets(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const {
    RINGDOC_CLUSTER_SECRET: _secret,
    RINGDOC_OPERATOR_TOKEN: _token,
    RINGDOC_TICKET_PUBLIC_KEY: _public,
    RINGDOC_TICKET_PRIVATE_KEY: _private,
    RINGDOC_TICKET_PRIVATE_KEY_FILE: _privateFile,
    ...rest
  } = env;
  return rest;
}

/** The last `lines` lines of a log file ('' when unreadable), for error messages. */
export async function logTail(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * The environment of a local `ringdoc node` process, started or restarted (rollouts): this
 * process's without its secrets, the node process environment (`NODE_PROCESS_ENV`), the log
 * level, and the node's own secrets.
 */
export function localNodeEnv(secrets: LocalSecrets | null): Record<string, string | undefined> {
  return {
    ...withoutSecrets(process.env),
    ...NODE_PROCESS_ENV,
    RINGDOC_LOG_LEVEL: process.env.RINGDOC_LOG_LEVEL ?? 'info',
    ...nodeSecretEnv(secrets),
  };
}

/**
 * Starts `ringdoc node` as a managed process (own process group, output in `logFile`, guarded by
 * a watchdog on `ownerPid`, default this process; `null` for none) and resolves once its
 * `/readyz` answers 200. On failure (exit, or not ready within `timeoutMs`, default 30 s) the
 * process is stopped and the error carries the end of its log.
 */
export async function startLocalNode(
  spec: LocalNodeSpec,
  options: { ownerPid?: number | null; timeoutMs?: number } = {},
): Promise<{ state: LocalNodeState; process: ManagedProcess }> {
  const proc = spawnManaged({
    command: process.execPath,
    args: [RINGDOC_BIN, ...localNodeArgs(spec)],
    cwd: REPO_ROOT,
    env: localNodeEnv(spec.secrets),
    logFile: spec.logFile,
    ...(options.ownerPid === undefined ? {} : { ownerPid: options.ownerPid }),
  });
  const httpUrl = `http://127.0.0.1:${spec.port}`;
  try {
    await waitFor(
      `node ${spec.id} ready at ${httpUrl}/readyz`,
      async () => {
        if (!proc.running()) throw new WaitAborted(`node ${spec.id} exited during start`);
        const response = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
        return response.status === 200;
      },
      options.timeoutMs ?? 30_000,
    );
  } catch (error) {
    await stopGroup(proc.pid, { graceMs: 2000, watchdogPid: proc.watchdogPid }).catch(() => {});
    const tail = await logTail(spec.logFile);
    throw new Error(`${(error as Error).message} (log: ${spec.logFile})${tail ? `\n${tail}` : ''}`);
  }
  return {
    process: proc,
    state: {
      id: spec.id,
      port: spec.port,
      url: `ws://127.0.0.1:${spec.port}`,
      dataDir: spec.dataDir,
      pid: proc.pid,
      watchdogPid: proc.watchdogPid,
      log: spec.logFile,
    },
  };
}

/** Node ids `n1…` not yet taken by `taken` (ids in the state file or registered in etcd). Pure. */
export function nextNodeId(taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let k = 1; ; k++) {
    if (!used.has(`n${k}`)) return `n${k}`;
  }
}

/** `<dir>/<id>.log` */
export const logFileOf = (logDir: string, name: string) => path.join(logDir, `${name}.log`);
