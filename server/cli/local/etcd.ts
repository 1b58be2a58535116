import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { singleMemberEtcdArgs } from '../../../ring/testing/etcd-args.ts';
import { findFreePort } from '../../../ring/testing/free-port.ts';
import { type ManagedProcess, spawnManaged, stopGroup } from './managed-process.ts';
import { WaitAborted, waitFor } from './wait.ts';

export interface LocalEtcdOptions {
  /** Data directory (created by etcd). */
  readonly dataDir: string;
  readonly logFile: string;
  /** etcd binary (default `/usr/bin/etcd`, Debian's `etcd-server`). */
  readonly binary?: string;
  /** How long to wait for `/health` (default 20 s). */
  readonly startTimeoutMs?: number;
}

export interface LocalEtcd {
  readonly endpoint: string;
  readonly dataDir: string;
  readonly process: ManagedProcess;
}

/**
 * Starts a single-member etcd on free loopback ports below 32768 in its own process group
 * (see {@link spawnManaged}) and resolves once `/health` answers `true`. Throws a clear error
 * when the binary is missing (install `etcd-server`) or etcd exits or stays unhealthy (with the
 * log file's path); a failed start leaves no process behind.
 */
export async function startLocalEtcd(options: LocalEtcdOptions): Promise<LocalEtcd> {
  const binary = options.binary ?? '/usr/bin/etcd';
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(
      `etcd not found at ${binary}: install etcd-server (apt-get install etcd-server)`,
    );
  }
  const clientPort = await findFreePort();
  const peerPort = await findFreePort(new Set([clientPort]));
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const name = 'ringdoc-local';
  const proc = spawnManaged({
    command: binary,
    args: [
      ...singleMemberEtcdArgs({
        name,
        dataDir: options.dataDir,
        endpoint,
        peerUrl,
        logLevel: 'warn',
      }),
      '--auto-compaction-mode',
      'periodic',
      '--auto-compaction-retention',
      '1h',
    ],
    logFile: options.logFile,
  });
  try {
    await waitFor(
      `etcd at ${endpoint} healthy (log: ${options.logFile})`,
      async () => {
        if (!proc.running())
          throw new WaitAborted(`etcd exited during start (log: ${options.logFile})`);
        const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
        return response.ok && ((await response.json()) as { health?: string }).health === 'true';
      },
      options.startTimeoutMs ?? 20_000,
    );
  } catch (error) {
    await stopGroup(proc.pid, { signal: 'SIGKILL', graceMs: 0, watchdogPid: proc.watchdogPid });
    throw error;
  }
  return { endpoint, dataDir: options.dataDir, process: proc };
}
