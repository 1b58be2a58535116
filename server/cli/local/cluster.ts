import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { findFreePort, isPortFree } from '../../../ring/testing/free-port.ts';
import { createLogger } from '../../log.ts';
import { type GatewayedWeb, startGatewayedWeb } from '../../web-gateway/local.ts';
import { startLocalEtcd } from './etcd.ts';
import { type ManagedProcess, stopGroup } from './managed-process.ts';
import { logFileOf, startLocalNode } from './node.ts';
import { isAlive } from './proc.ts';
import { createLocalSecrets } from './secrets.ts';
import {
  type LocalClusterState,
  type LocalNodeState,
  readLiveState,
  readState,
  removeState,
  writeState,
} from './state.ts';
import { waitFor } from './wait.ts';
import { isWebBuilt } from './web.ts';

export interface LocalClusterOptions {
  /** Where the state file goes (its folder also gets `logs/`). */
  readonly stateFile: string;
  /** Nodes started at once (default 3). */
  readonly nodes?: number;
  /** Start the web app (default true; skipped with a warning when `web/.next` is missing). */
  readonly web?: boolean;
  /** Web port; default 3000 when free, else a free port below 32768. */
  readonly webPort?: number;
  readonly prefix?: string;
  /** Lease TTL of the nodes in seconds (default 5). */
  readonly leaseTtl?: number;
  /**
   * Generate credentials and turn access control on (default true, SECURITY.md). `false`: the
   * loopback development secret and no tickets, for drills whose raw editors carry none.
   */
  readonly accessControl?: boolean;
  /** Progress lines for the person who started the cluster. */
  readonly say: (line: string) => void;
}

/** A running local cluster owned by this process. */
export interface LocalCluster {
  state(): LocalClusterState;
  /** Resolves with a description when etcd or the web app exits on its own (the cluster is broken). */
  readonly failed: Promise<string>;
  /**
   * Stops everything, nodes added later by `ringdoc node add` included: web, then every node
   * gracefully (SIGTERM: they leave the ring; SIGKILL after 15 s), then etcd; removes the data
   * directory and the state file. Idempotent; never rejects.
   */
  stop(): Promise<void>;
}

const ROOT_PREFIX = 'ringdoc-local-';

/** The web port: `wanted`, else 3000 when free, else a free port below 32768. */
async function pickWebPort(wanted: number | undefined, avoid: Set<number>): Promise<number> {
  if (wanted !== undefined) return wanted;
  if (!avoid.has(3000) && (await isPortFree(3000))) return 3000;
  return findFreePort(avoid);
}

/**
 * Starts etcd (in a temporary directory), `nodes` `ringdoc node` processes and `next start web`
 * on loopback, records them in the state file as each comes up, and resolves once every node is
 * ready, every node's ring lists all of them and the web app answers. Refuses to start while
 * another local cluster's launcher (per the state file) is alive. On any start failure everything
 * already started is stopped before the error is thrown.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const { stateFile, say } = options;
  const running = await readLiveState(stateFile).catch(() => null);
  if (running && running.launcherPid !== process.pid) {
    throw new Error(
      `a local cluster is already running (launcher pid ${running.launcherPid}${
        running.web ? `, ${running.web.url}` : ''
      }): stop it first (Ctrl-C in its terminal, or kill ${running.launcherPid})`,
    );
  }
  const stale = await readState(stateFile).catch(() => null);
  if (stale && !isAlive(stale.launcherPid)) {
    // A launcher that was killed: its watchdogs stopped the processes; remove its data.
    if (path.basename(stale.root).startsWith(ROOT_PREFIX)) {
      await rm(stale.root, { recursive: true, force: true }).catch(() => {});
    }
    await removeState(stateFile);
  }
  const logDir = path.join(path.dirname(stateFile), 'logs');
  await rm(logDir, { recursive: true, force: true });
  const root = await mkdtemp(path.join(os.tmpdir(), ROOT_PREFIX));
  const prefix = options.prefix ?? '/ringdoc/';
  const secrets =
    (options.accessControl ?? true) ? await createLocalSecrets(path.join(root, 'secrets')) : null;
  const leaseTtl = options.leaseTtl ?? 5;
  const processes = new Map<string, ManagedProcess>();
  let state: LocalClusterState | null = null;
  let stopping: Promise<void> | null = null;
  let reportFailure: (what: string) => void = () => {};
  const failed = new Promise<string>((resolve) => {
    reportFailure = resolve;
  });

  const save = async (next: LocalClusterState) => {
    state = next;
    await writeState(stateFile, next);
  };

  const stopAll = async () => {
    // Nodes added by `ringdoc node add` are only in the state file.
    const onDisk = await readState(stateFile).catch(() => null);
    const current = onDisk && onDisk.launcherPid === process.pid ? onDisk : state;
    const quiet = (p: Promise<void>) =>
      p.catch((error: unknown) => say(`${(error as Error).message}`));
    const t0 = Date.now();
    const took = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    if (gatewayed) {
      // The gateway, then every web build it routes to (a web rollout adds and swaps them).
      await quiet(gatewayed.stop());
      webEtcd?.close();
    }
    if (current?.web) {
      await quiet(
        stopGroup(current.web.pid, { graceMs: 5000, watchdogPid: current.web.watchdogPid }),
      );
      say(`web app stopped (${took()})`);
    }
    const nodes = current?.nodes ?? [];
    await Promise.all(
      nodes.map((n) => quiet(stopGroup(n.pid, { graceMs: 15_000, watchdogPid: n.watchdogPid }))),
    );
    if (nodes.length > 0) say(`nodes stopped (${took()})`);
    if (current) {
      await quiet(
        stopGroup(current.etcd.pid, { graceMs: 5000, watchdogPid: current.etcd.watchdogPid }),
      );
      say(`etcd stopped (${took()})`);
    }
    // Anything started but not yet recorded (a start that failed half-way).
    await Promise.all(
      [...processes.values()].map((p) =>
        quiet(stopGroup(p.pid, { graceMs: 2000, watchdogPid: p.watchdogPid })),
      ),
    );
    await rm(root, { recursive: true, force: true }).catch(() => {});
    const latest = await readState(stateFile).catch(() => null);
    if (!latest || latest.launcherPid === process.pid || !isAlive(latest.launcherPid)) {
      await removeState(stateFile).catch(() => {});
    }
  };

  let gatewayed: GatewayedWeb | null = null;
  let webEtcd: Etcd3 | null = null;
  const cluster: LocalCluster = {
    state() {
      if (!state) throw new Error('local cluster not started');
      return state;
    },
    failed,
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };

  try {
    say(`starting etcd (data in ${root})`);
    const etcd = await startLocalEtcd({
      dataDir: path.join(root, 'etcd'),
      logFile: logFileOf(logDir, 'etcd'),
    });
    processes.set('etcd', etcd.process);
    void etcd.process.exited.then((code) => {
      if (!stopping) reportFailure(`etcd exited (${code}); see ${etcd.process.logFile}`);
    });
    await save({
      version: 1,
      launcherPid: process.pid,
      startedAt: Date.now(),
      etcd: {
        endpoint: etcd.endpoint,
        dataDir: etcd.dataDir,
        pid: etcd.process.pid,
        watchdogPid: etcd.process.watchdogPid,
        log: etcd.process.logFile,
      },
      prefix,
      root,
      logDir,
      leaseTtl,
      web: null,
      nodes: [],
      ...(secrets ? { secretsDir: secrets.dir } : {}),
    });

    const count = options.nodes ?? 3;
    const used = new Set<number>();
    const specs: Array<{ id: string; port: number }> = [];
    for (let i = 1; i <= count; i++) {
      const port = await findFreePort(used);
      used.add(port);
      specs.push({ id: `n${i}`, port });
    }
    say(`starting ${count} nodes: ${specs.map((s) => s.id).join(', ')}`);
    const started = await Promise.allSettled(
      specs.map(async ({ id, port }) => {
        const node = await startLocalNode({
          id,
          port,
          etcd: etcd.endpoint,
          prefix,
          dataDir: path.join(root, id),
          leaseTtl,
          logFile: logFileOf(logDir, id),
          secrets,
        });
        processes.set(id, node.process);
        void node.process.exited.then((code) => {
          if (!stopping) say(`node ${id} exited (${code}); log: ${node.state.log}`);
        });
        return node.state;
      }),
    );
    const nodes: LocalNodeState[] = [];
    for (const result of started) {
      if (result.status === 'rejected') throw result.reason;
      nodes.push(result.value);
    }
    await save({ ...cluster.state(), nodes });
    const want = nodes
      .map((n) => n.id)
      .sort()
      .join(',');
    await waitFor(
      `every node's ring to list ${want}`,
      async () => {
        for (const node of nodes) {
          const response = await fetch(`http://127.0.0.1:${node.port}/ring`);
          const body = (await response.json()) as { ring: { members: string[] } };
          if ([...body.ring.members].sort().join(',') !== want) return false;
        }
        return true;
      },
      30_000,
    );

    if (options.web ?? true) {
      if (isWebBuilt()) {
        const port = await pickWebPort(options.webPort, used);
        // The stable web build behind the web gateway (README, Rollouts → web builds): a web
        // rollout starts a second upstream and the gateway shares new browsers between them.
        const build =
          process.env.RINGDOC_WEB_BUILD || process.env.NEXT_PUBLIC_RINGDOC_BUILD || '0.1.0';
        say(`starting the web app on port ${port} (web gateway, build ${build})`);
        webEtcd = new Etcd3({ hosts: [etcd.endpoint] });
        const web = await startGatewayedWeb({
          client: webEtcd,
          etcd: etcd.endpoint,
          prefix,
          port,
          build,
          logDir,
          secrets,
          ownerPid: process.pid,
          log: createLogger({ name: 'web-gateway', level: 'warn' }),
        });
        gatewayed = web;
        await save({
          ...cluster.state(),
          web: {
            url: web.url,
            pid: web.upstreamPid,
            watchdogPid: null,
            log: logFileOf(logDir, `web-${build}`),
          },
        });
      } else {
        say('web app not built (web/.next missing; run: npx next build web): running without it');
      }
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
