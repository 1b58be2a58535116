import net from 'node:net';
import path from 'node:path';
import { spawnManaged, stopGroup } from '../cli/local/managed-process.ts';
import { logTail } from '../cli/local/node.ts';
import { isAlive } from '../cli/local/proc.ts';
import type { LocalSecrets } from '../cli/local/secrets.ts';
import { WaitAborted, waitFor } from '../cli/local/wait.ts';
import { webArgs, webEnv } from '../cli/local/web.ts';
import type { WebDriver } from './web-driver.ts';

export interface LocalWebDriverOptions {
  readonly etcd: string;
  readonly prefix: string;
  /** Folder of the upstreams' logs (`web-<build>.log`). */
  readonly logDir: string;
  /** The cluster's credentials (the local cluster's; `null`: the environment's). */
  readonly secrets?: LocalSecrets | null;
  /** Whose death stops the upstreams (the local cluster's launcher), `null`: nobody. */
  readonly ownerPid?: number | null;
  /** Environment the upstreams inherit (default `process.env`; `RINGDOC_WEB_FAULT` passes through). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Longest wait for an upstream to answer (default 60 s). */
  readonly timeoutMs?: number;
}

/** A free loopback port (the kernel's pick; `next start` binds it exclusively). */
async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The {@link WebDriver} of a machine-local cluster (`npm start`, the Playwright setup): an
 * upstream is another `next start web` of the same `.next` output on a free port, with
 * `RINGDOC_WEB_BUILD=<build>` (the build id the pages report, web/lib/build.ts), as a managed
 * process (own process group, log in `logDir`), ready when `/api/route/readiness-probe`
 * answers 200. Stopping one stops its process group.
 */
export function createLocalWebDriver(options: LocalWebDriverOptions): WebDriver {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const answers = async (url: string) => {
    const response = await fetch(`${url}/api/route/readiness-probe`, {
      signal: AbortSignal.timeout(5000),
    });
    return response.status === 200;
  };
  return {
    async start(build, say) {
      const port = await freePort();
      const logFile = path.join(options.logDir, `web-${build}.log`);
      const webOptions = {
        port,
        etcd: options.etcd,
        prefix: options.prefix,
        ...(options.secrets ? { secrets: options.secrets } : {}),
      };
      say(`starting web build ${build} on port ${port} (log ${logFile})`);
      const proc = spawnManaged({
        command: process.execPath,
        args: webArgs(webOptions),
        env: { ...webEnv(options.env ?? process.env, webOptions), RINGDOC_WEB_BUILD: build },
        logFile,
        ownerPid: options.ownerPid ?? null,
      });
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitFor(
          `web build ${build} at ${url}`,
          async () => {
            if (!proc.running()) throw new WaitAborted('next start exited during start');
            return answers(url).catch(() => false);
          },
          timeoutMs,
          200,
        );
      } catch (error) {
        await stopGroup(proc.pid, { graceMs: 2000, watchdogPid: proc.watchdogPid }).catch(() => {});
        const tail = await logTail(logFile);
        throw new Error(`${(error as Error).message}${tail ? `\n${tail}` : ''}`);
      }
      return { build, url, pid: proc.pid };
    },
    async alive(upstream) {
      if (upstream.pid === null || !isAlive(upstream.pid)) return false;
      return answers(upstream.url).catch(() => false);
    },
    async stop(upstream, say) {
      if (upstream.pid === null || !isAlive(upstream.pid)) return;
      say(`stopping web build ${upstream.build} (pid ${upstream.pid})`);
      await stopGroup(upstream.pid, { graceMs: 5000 });
    },
  };
}
