import type { Etcd3 } from 'etcd3';
import { createKeyspace } from '../../ring/etcd/keys.ts';
import { parseMemberRecord } from '../../ring/etcd/member-codec.ts';
import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import { signalGroup, spawnManaged, stopGroup } from '../cli/local/managed-process.ts';
import { localNodeArgs, localNodeEnv, logTail } from '../cli/local/node.ts';
import { REPO_ROOT, RINGDOC_BIN } from '../cli/local/paths.ts';
import { isAlive } from '../cli/local/proc.ts';
import { readLocalSecrets } from '../cli/local/secrets.ts';
import { type LocalNodeState, readState, writeState } from '../cli/local/state.ts';
import { WaitAborted, waitFor } from '../cli/local/wait.ts';
import type { NodeDriver } from './driver.ts';
import { type NodeVersion, sameVersion } from './machine.ts';

export interface LocalDriverOptions {
  readonly client: Etcd3;
  readonly endpoints: readonly string[];
  readonly prefix: string;
  /** The local cluster's state file (`npm start`); nodes are found and recorded there. */
  readonly stateFile: string;
  /** Longest wait for a drain, and for a restarted node to be active (default 120 s). */
  readonly timeoutMs?: number;
}

const DEFAULT_BUILD = '0.1.0';

/**
 * The {@link NodeDriver} of the local cluster: a restart is `ringdoc drain` (the drain request
 * key; the node hands its documents off and exits 0), then `ringdoc node` again on the same id,
 * port and data directory with `--build <build>` and the version's extra arguments, guarded by
 * the launcher's watchdog like every node, recorded in the state file as soon as it is spawned
 * (a CLI killed mid-restart leaves nothing unrecorded), then waits for `/readyz` and for the
 * member to be `active` (it pre-warmed and took its documents back, M1).
 */
export function createLocalDriver(options: LocalDriverOptions): NodeDriver {
  const keys = createKeyspace(options.prefix);
  const timeoutMs = options.timeoutMs ?? 120_000;

  const state = async () => {
    const s = await readState(options.stateFile);
    if (!s || !isAlive(s.launcherPid)) {
      throw new Error(`no local cluster is running (state file ${options.stateFile})`);
    }
    return s;
  };
  const nodeOf = async (id: string): Promise<LocalNodeState> => {
    const node = (await state()).nodes.find((n) => n.id === id);
    if (!node) throw new Error(`node ${id} is not in the local cluster (${options.stateFile})`);
    return node;
  };
  const member = async (id: string): Promise<MemberRecord | null> => {
    const value = await options.client.get(keys.memberKey(id)).buffer();
    if (!value) return null;
    const record = parseMemberRecord(keys.memberKey(id), value);
    return record instanceof Error ? null : record;
  };
  const ready = async (port: number) => {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, {
      signal: AbortSignal.timeout(1000),
    });
    return response.status === 200;
  };
  const record = async (id: string, change: (n: LocalNodeState) => LocalNodeState) => {
    const latest = await state();
    await writeState(options.stateFile, {
      ...latest,
      nodes: latest.nodes.map((n) => (n.id === id ? change(n) : n)),
    });
  };

  return {
    async current() {
      const s = await state();
      const out: Record<string, NodeVersion> = {};
      for (const node of s.nodes) {
        if (!isAlive(node.pid)) continue;
        const m = await member(node.id);
        if (!m) continue;
        out[node.id] = {
          build: node.build ?? m.build ?? DEFAULT_BUILD,
          args: node.extraArgs ?? [],
        };
      }
      return out;
    },
    async runs(id, version) {
      const node = await nodeOf(id);
      const m = await member(id);
      if (m?.state !== 'active' || !isAlive(node.pid)) return false;
      const runs = { build: m.build, args: node.extraArgs ?? [] };
      return sameVersion(runs, version) && (await ready(node.port).catch(() => false));
    },
    async restart(id, version, say) {
      const s = await state();
      const node = await nodeOf(id);
      if (isAlive(node.pid)) {
        say(`${id}: draining (pid ${node.pid})`);
        await options.client
          .put(keys.drainRequestKey(id))
          .value(JSON.stringify({ requestedAt: Date.now(), by: 'ringdoc rollout' }));
        await waitFor(`${id} to drain and exit`, () => !isAlive(node.pid), timeoutMs, 100);
        if (node.watchdogPid !== null) signalGroup(node.watchdogPid, 'SIGKILL');
      }
      await waitFor(
        `${id} to leave the ring`,
        async () => (await member(id)) === null,
        timeoutMs,
        100,
      );
      const secrets = s.secretsDir ? await readLocalSecrets(s.secretsDir) : null;
      const spec = {
        id,
        port: node.port,
        etcd: options.endpoints.join(','),
        prefix: options.prefix,
        dataDir: node.dataDir,
        leaseTtl: s.leaseTtl,
        logFile: node.log,
        secrets,
      };
      say(
        `${id}: starting build ${version.build}${version.args.length ? ` (${version.args.join(' ')})` : ''}`,
      );
      const proc = spawnManaged({
        command: process.execPath,
        args: [RINGDOC_BIN, ...localNodeArgs(spec), '--build', version.build, ...version.args],
        cwd: REPO_ROOT,
        env: localNodeEnv(secrets),
        logFile: node.log,
        ownerPid: s.launcherPid,
      });
      await record(id, (n) => ({
        ...n,
        pid: proc.pid,
        watchdogPid: proc.watchdogPid,
        build: version.build,
        extraArgs: [...version.args],
      }));
      try {
        await waitFor(
          `${id} ready and active on build ${version.build}`,
          async () => {
            if (!proc.running()) throw new WaitAborted(`${id} exited during start`);
            const m = await member(id);
            return m?.state === 'active' && m.build === version.build && (await ready(node.port));
          },
          timeoutMs,
          100,
        );
      } catch (error) {
        await stopGroup(proc.pid, { graceMs: 5000, watchdogPid: proc.watchdogPid }).catch(() => {});
        const tail = await logTail(node.log, 10);
        throw new Error(`${(error as Error).message}${tail ? `\n${tail}` : ''}`);
      }
    },
  };
}
