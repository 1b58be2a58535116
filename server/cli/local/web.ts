import { existsSync } from 'node:fs';
import path from 'node:path';
import { type ManagedProcess, spawnManaged, stopGroup } from './managed-process.ts';
import { logTail, withoutSecrets } from './node.ts';
import { NEXT_BIN, REPO_ROOT, WEB_DIR } from './paths.ts';
import { type LocalSecrets, webSecretEnv } from './secrets.ts';
import { WaitAborted, waitFor } from './wait.ts';

export interface WebOptions {
  readonly port: number;
  /** Interface to bind (default `127.0.0.1`; `0.0.0.0` in a container). */
  readonly host?: string;
  readonly etcd: string;
  readonly prefix: string;
  /** The cluster's credentials: access control on, `/ops` behind the operator token. */
  readonly secrets?: LocalSecrets | null;
}

/** True when `web/.next/BUILD_ID` exists (`next build web` ran). */
export function isWebBuilt(webDir = WEB_DIR): boolean {
  return existsSync(path.join(webDir, '.next/BUILD_ID'));
}

/** `node` arguments that run `next start web` for `options`. Pure. */
export function webArgs(options: WebOptions): string[] {
  return [
    NEXT_BIN,
    'start',
    WEB_DIR,
    '-p',
    String(options.port),
    '-H',
    options.host ?? '127.0.0.1',
  ];
}

/** The environment of the web process: `base` plus what the web app reads (web/lib/server/config.ts). Pure. */
export function webEnv(
  base: Readonly<Record<string, string | undefined>>,
  options: WebOptions,
): Record<string, string | undefined> {
  return {
    ...(options.secrets ? withoutSecrets(base) : base),
    NEXT_TELEMETRY_DISABLED: '1',
    RINGDOC_ETCD: options.etcd,
    RINGDOC_PREFIX: options.prefix,
    ...webSecretEnv(options.secrets ?? null),
  };
}

/**
 * Starts `next start web` as a managed process and resolves once `GET /api/ring` answers 200
 * (the web app reached etcd). Throws with the end of its log when it exits or is not ready
 * within `timeoutMs` (default 60 s); the process is stopped then.
 */
export async function startLocalWeb(
  options: WebOptions & { logFile: string; timeoutMs?: number },
): Promise<{ url: string; process: ManagedProcess }> {
  const proc = spawnManaged({
    command: process.execPath,
    args: webArgs(options),
    cwd: REPO_ROOT,
    env: webEnv(process.env, options),
    logFile: options.logFile,
  });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitFor(
      `web app at ${url}`,
      async () => {
        if (!proc.running()) throw new WaitAborted('next start exited during start');
        const token = options.secrets?.operatorToken;
        const response = await fetch(`${url}/api/ring`, {
          signal: AbortSignal.timeout(5000),
          ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        });
        return response.status === 200;
      },
      options.timeoutMs ?? 60_000,
      200,
    );
  } catch (error) {
    await stopGroup(proc.pid, { graceMs: 2000, watchdogPid: proc.watchdogPid }).catch(() => {});
    const tail = await logTail(options.logFile);
    throw new Error(
      `${(error as Error).message} (log: ${options.logFile})${tail ? `\n${tail}` : ''}`,
    );
  }
  return { url, process: proc };
}
