import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { type Dirent, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NEXT_BIN = path.join(ROOT, 'node_modules/next/dist/bin/next');

/** Newest modification time (ms) of the files under `dir`, skipping build output and tests. */
function newestMtime(dir: string): number {
  let newest = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.name === '.next' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** True when `web/.next` is missing or older than a source the web app is built from. */
export function webBuildIsStale(): boolean {
  let built: number;
  try {
    built = statSync(path.join(ROOT, 'web/.next/BUILD_ID')).mtimeMs;
  } catch {
    return true;
  }
  const mtime = (p: string): number => {
    const stat = statSync(path.join(ROOT, p), { throwIfNoEntry: false });
    if (!stat) return 0;
    return stat.isDirectory() ? newestMtime(path.join(ROOT, p)) : stat.mtimeMs;
  };
  return ['web', 'server/protocol', 'ring', 'package-lock.json'].some((p) => mtime(p) > built);
}

/** Runs `next build web` (synchronously; ≈ 10–20 s). Throws with the build output on failure. */
export function buildWeb(): void {
  const result = spawnSync(process.execPath, [NEXT_BIN, 'build', 'web'], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`next build web failed:\n${result.stdout}\n${result.stderr}`);
  }
}

export interface WebServer {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `next start web` on 127.0.0.1:`port` with the cluster's etcd; resolves when it answers. */
export async function startWebServer(options: {
  port: number;
  etcd: string;
  prefix: string;
  env?: Record<string, string>;
}): Promise<WebServer> {
  const url = `http://127.0.0.1:${options.port}`;
  let log = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [NEXT_BIN, 'start', 'web', '-p', String(options.port), '-H', '127.0.0.1'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NEXT_TELEMETRY_DISABLED: '1',
        RINGDOC_ETCD: options.etcd,
        RINGDOC_PREFIX: options.prefix,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await once(child, 'exit');
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited early:\n${log}`);
    try {
      // Public and answers 200 once the web app has a ring view (/api/ring is operators only).
      const response = await fetch(`${url}/api/route/readiness-probe`);
      if (response.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not become ready in 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, output: () => log, stop };
}
