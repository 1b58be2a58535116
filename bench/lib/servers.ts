import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EtcdServer } from '../../ring/testing/etcd-server.ts';
import { NODE_PROCESS_ENV } from '../../server/node/process-env.ts';
import type { ServerKind } from './wire.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROBE = path.join(ROOT, 'bench/peers/probe.mjs');
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Every load-generator socket comes from 127.0.0.1, so ours' per-address limit on new
 * connections (10/s, burst 40: one office behind a NAT) would refuse the benchmark's own
 * editors (4529). It is raised; every other limit keeps its default. The peers have no such
 * limit.
 */
export const OURS_LIMITS =
  'connectionAttemptsPerSecond=1000000,connectionAttemptBurst=1000000,nodeConnectionsPerSecond=1000000,nodeConnectionBurst=1000000';

/** Memory of a server process after full GCs (bytes), as its probe reported it. */
export interface MemorySnapshot {
  readonly rss: number;
  /** Anonymous resident memory (RssAnon), null when /proc is unavailable. */
  readonly rssAnon: number | null;
  /** V8's committed memory by heap space (`physical_space_size`), when the probe reports it. */
  readonly spaces?: Readonly<Record<string, number>>;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** One running server process, pinned to the server core. */
export interface ServerProcess {
  readonly kind: ServerKind;
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Runs full GCs in the process and returns its memory (via bench/peers/probe.mjs). */
  memory(): Promise<MemorySnapshot>;
  /**
   * Ends the process (SIGKILL; SIGTERM when it writes a CPU profile, then SIGKILL after 60 s)
   * and resolves once it exited. Idempotent.
   */
  stop(): Promise<void>;
  /** The last 64 KB the process wrote (for failure messages). */
  output(): string;
}

/** What every server launch needs: one etcd (ours), ports, a scratch dir, the server core. */
export interface LaunchEnv {
  readonly etcd: EtcdServer;
  readonly nextPort: () => Promise<number>;
  /** Scratch directory for data dirs and profiles. */
  readonly root: string;
  /** The core every server process is pinned to. */
  readonly serverCpu: number;
  /** Unique etcd prefixes: every launch of ours gets a fresh ring. */
  readonly nextPrefix: () => string;
  /**
   * Nice value the benchmark runs at (null: default priority). Server processes inherit it from
   * the benchmark process (`nice -n` would add to it).
   */
  readonly niceness: number | null;
}

export interface LaunchOptions {
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory when the process exits. */
  readonly cpuProfileDir?: string;
  /** Extra `node` flags (e.g. a fixed young generation for memory figures). */
  readonly nodeFlags?: readonly string[];
  /** The checkout ours runs from (default this one): `/work/main` gives the before of a before/after. */
  readonly root?: string;
}

const children = new Set<ChildProcess>();
let exitHook = false;

function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
}

function pinnedNode(
  env: LaunchEnv,
  nodeArgs: readonly string[],
  options: LaunchOptions,
  extraEnv: Record<string, string> = {},
) {
  const profile = options.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]
    : [];
  const child = spawn(
    'taskset',
    [
      '-c',
      String(env.serverCpu),
      process.execPath,
      '--expose-gc',
      '--import',
      PROBE,
      ...profile,
      ...(options.nodeFlags ?? []),
      ...nodeArgs,
    ],
    {
      cwd: options.root ?? ROOT,
      // every server, ours and the peers alike, under the environment ours ships with
      env: { ...process.env, ...NODE_PROCESS_ENV, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  track(child);
  let log = '';
  const memoryWaiters: ((line: string) => void)[] = [];
  const append = (chunk: Buffer) => {
    const text = chunk.toString();
    for (const line of text.split('\n')) {
      if (line.startsWith('BENCH_MEM ')) memoryWaiters.shift()?.(line.slice(10));
    }
    log = (log + text).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let stopped: Promise<void> | null = null;
  return {
    child,
    output: () => log,
    memory(): Promise<MemorySnapshot> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('memory probe timed out')), 20_000);
        memoryWaiters.push((json) => {
          clearTimeout(timer);
          resolve(JSON.parse(json) as MemorySnapshot);
        });
        child.kill('SIGUSR2');
      });
    },
    stop(): Promise<void> {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        // A profiled process must exit normally to write its profile; otherwise there is
        // nothing left to measure and a graceful stop of ours takes seconds.
        child.kill(options.cpuProfileDir ? 'SIGTERM' : 'SIGKILL');
        // A profiled node stops gracefully (leaves the ring) before V8 writes its profile:
        // give it longer on a busy machine.
        const timer = setTimeout(
          () => child.kill('SIGKILL'),
          options.cpuProfileDir ? 60_000 : 10_000,
        );
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type PeerKind = Exclude<ServerKind, 'ours' | 'ours-1'>;

const PEER_SCRIPTS: Record<PeerKind, string> = {
  'y-websocket': 'bench/peers/y-websocket.ts',
  // The same server.js setup, persisting into y-leveldb 0.2.0 (`--data`).
  'y-websocket-leveldb': 'bench/peers/y-websocket.ts',
  'hocuspocus-3': 'bench/peers/hocuspocus-3.ts',
  'hocuspocus-3-sqlite': 'bench/peers/hocuspocus-3-sqlite.ts',
  'hocuspocus-4': 'bench/peers/hocuspocus-4.ts',
  'hocuspocus-4-sqlite': 'bench/peers/hocuspocus-4-sqlite.ts',
  relay: 'bench/peers/relay.ts',
};

/** Peers that persist: each gets its own storage directory under the scratch root. */
const DURABLE: ReadonlySet<PeerKind> = new Set([
  'y-websocket-leveldb',
  'hocuspocus-3-sqlite',
  'hocuspocus-4-sqlite',
]);

/**
 * Starts a peer (or the relay floor) in its own child process pinned to the server core and
 * resolves once it prints `listening`. Rejects with the process output when it exits first
 * or does not listen within 20 s.
 */
export async function startPeer(
  kind: PeerKind,
  env: LaunchEnv,
  options: LaunchOptions = {},
): Promise<ServerProcess> {
  const port = await env.nextPort();
  const args = ['--import', 'tsx', PEER_SCRIPTS[kind], '--port', String(port)];
  const extraEnv: Record<string, string> = {};
  if (DURABLE.has(kind)) {
    const dataDir = path.join(env.root, `${kind}-${port}`);
    await mkdir(dataDir, { recursive: true });
    args.push('--data', dataDir);
  }
  const proc = pinnedNode(env, args, options, extraEnv);
  try {
    await waitUntil(
      `${kind} listening`,
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${kind} exited`);
        return proc.output().includes(`listening ${port}`);
      },
      20_000,
    );
  } catch (error) {
    await proc.stop();
    throw new Error(`${kind} did not start: ${(error as Error).message}\n${proc.output()}`);
  }
  return {
    kind,
    id: kind,
    host: '127.0.0.1',
    port,
    pid: proc.child.pid ?? -1,
    memory: proc.memory,
    stop: proc.stop,
    output: proc.output,
  };
}

/**
 * Starts `count` ringdoc nodes (`n1`…) as `ringdoc node` processes on one fresh etcd prefix,
 * every one pinned to the server core, each with its own data dir under `env.root`; resolves
 * once every node answers `/readyz` 200 and lists all of them in `/ring`.
 */
export async function startOurs(
  env: LaunchEnv,
  count = 1,
  options: LaunchOptions & { readonly leaseTtl?: number; readonly replicated?: boolean } = {},
): Promise<ServerProcess[]> {
  const prefix = env.nextPrefix();
  const nodes: ServerProcess[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      const id = `n${i}`;
      const port = await env.nextPort();
      const dataDir = path.join(env.root, prefix.replaceAll('/', ''), id);
      await mkdir(dataDir, { recursive: true });
      const proc = pinnedNode(
        env,
        [
          path.join(options.root ?? ROOT, 'bin/ringdoc.mjs'),
          'node',
          '--id',
          id,
          '--port',
          String(port),
          '--etcd',
          env.etcd.endpoint,
          '--data',
          dataDir,
          '--prefix',
          prefix,
          '--lease-ttl',
          String(options.leaseTtl ?? 5),
          '--limits',
          OURS_LIMITS,
          '--insecure-dev-secret',
          ...(options.replicated ? ['--replicas', '2', '--durability', 'replica'] : []),
        ],
        options,
        { RINGDOC_LOG_LEVEL: 'warn' },
      );
      nodes.push({
        kind: 'ours',
        id,
        host: '127.0.0.1',
        port,
        pid: proc.child.pid ?? -1,
        memory: proc.memory,
        stop: proc.stop,
        output: proc.output,
      });
    }
    const want = nodes
      .map((n) => n.id)
      .sort()
      .join(',');
    for (const node of nodes) {
      await waitUntil(
        `node ${node.id} ready with ring [${want}]`,
        async () => {
          const ready = await fetch(`http://127.0.0.1:${node.port}/readyz`);
          if (ready.status !== 200) return false;
          const ring = (await (await fetch(`http://127.0.0.1:${node.port}/ring`)).json()) as {
            ring: { members: string[] };
          };
          return [...ring.ring.members].sort().join(',') === want;
        },
        30_000,
      );
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    const outputs = nodes.map((n) => `--- ${n.id} ---\n${n.output()}`).join('\n');
    throw new Error(`ringdoc did not start: ${(error as Error).message}\n${outputs}`);
  }
  return nodes;
}

/** Starts one server process of `kind` (ours and ours-1: a 1-node cluster). */
export async function startServer(
  kind: ServerKind,
  env: LaunchEnv,
  options: LaunchOptions = {},
): Promise<ServerProcess> {
  if (kind === 'ours' || kind === 'ours-1') {
    const [node] = await startOurs(env, 1, options);
    return node!;
  }
  return startPeer(kind, env, options);
}

/** Nodes ours runs as users run it: 3 nodes; with the nodes' defaults R = 2, durability replica. */
export const OURS_NODES = 3;

/** The server processes of one kind started for a sweep, and where editors connect first. */
export interface ServerGroup {
  readonly kind: ServerKind;
  readonly processes: readonly ServerProcess[];
  /** Where every editor connects first (ours: node n1; editors follow REDIRECTs from there). */
  readonly entry: { readonly host: string; readonly port: number };
  stop(): Promise<void>;
  output(): string;
}

/**
 * Starts `kind` for a sweep: ours as a 3-node cluster (`--replicas 2 --durability replica` are
 * the node defaults, passed explicitly), ours-1 as one node, a peer as its one process.
 */
export async function startGroup(
  kind: ServerKind,
  env: LaunchEnv,
  options: LaunchOptions = {},
): Promise<ServerGroup> {
  const processes =
    kind === 'ours'
      ? await startOurs(env, OURS_NODES, { ...options, replicated: true })
      : [await startServer(kind, env, options)];
  const first = processes[0]!;
  return {
    kind,
    processes,
    entry: { host: first.host, port: first.port },
    stop: async () => {
      if (!options.cpuProfileDir) {
        await Promise.all(processes.map((p) => p.stop()));
        return;
      }
      // One at a time: nodes leaving together each wait for the others while they drain.
      for (const p of [...processes].reverse()) await p.stop();
    },
    output: () => processes.map((p) => `--- ${p.id} ---\n${p.output()}`).join('\n'),
  };
}
