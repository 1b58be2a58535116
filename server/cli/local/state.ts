import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from './proc.ts';

/** A process the local cluster started: its pid and the pid of the watchdog that guards it. */
export interface ManagedPid {
  readonly pid: number;
  /** Kills the process's group if the launcher dies without cleaning up (see managed-process.ts). */
  readonly watchdogPid: number | null;
  /** Its combined stdout/stderr. */
  readonly log: string;
}

export interface LocalNodeState extends ManagedPid {
  readonly id: string;
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  readonly dataDir: string;
  /** The build it was started with (`ringdoc rollout nodes`); absent: the default build. */
  readonly build?: string;
  /** Extra `ringdoc node` arguments of that build (rollouts); absent: none. */
  readonly extraArgs?: readonly string[];
}

/**
 * What `npm start` (scripts/local-cluster.ts) records so that `ringdoc status`, `ringdoc node add`
 * and friends work without flags, and so that stopping the cluster finds every process, including
 * nodes added later by the CLI.
 */
export interface LocalClusterState {
  readonly version: 1;
  /** pid of the launcher; the cluster is running while it is alive. */
  readonly launcherPid: number;
  readonly startedAt: number;
  readonly etcd: ManagedPid & { readonly endpoint: string; readonly dataDir: string };
  readonly prefix: string;
  /** Temporary directory holding etcd's and the nodes' data; removed when the cluster stops. */
  readonly root: string;
  readonly logDir: string;
  readonly leaseTtl: number;
  readonly web: (ManagedPid & { readonly url: string }) | null;
  readonly nodes: readonly LocalNodeState[];
  /** Folder of the cluster's generated credentials (`secrets.ts`); absent: none (older state). */
  readonly secretsDir?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isPid = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

function checkManaged(v: unknown, where: string): string | null {
  if (!isObject(v)) return `${where} is not an object`;
  if (!isPid(v.pid)) return `${where}.pid is not a pid`;
  if (v.watchdogPid !== null && !isPid(v.watchdogPid)) return `${where}.watchdogPid is not a pid`;
  if (typeof v.log !== 'string') return `${where}.log is not a string`;
  return null;
}

/**
 * Parses a state file's text. Pure. Returns the state, or an `Error` that says which field is
 * wrong (a state file from another version of ringdoc, or a half-written one, is refused).
 */
export function parseState(text: string): LocalClusterState | Error {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return new Error('state file is not JSON');
  }
  if (!isObject(raw)) return new Error('state file is not a JSON object');
  if (raw.version !== 1)
    return new Error(`unsupported state version ${JSON.stringify(raw.version)}`);
  if (!isPid(raw.launcherPid)) return new Error('launcherPid is not a pid');
  for (const key of ['prefix', 'root', 'logDir'] as const) {
    if (typeof raw[key] !== 'string' || raw[key] === '') return new Error(`${key} is not a string`);
  }
  if (typeof raw.startedAt !== 'number') return new Error('startedAt is not a number');
  if (typeof raw.leaseTtl !== 'number') return new Error('leaseTtl is not a number');
  const etcdProblem = checkManaged(raw.etcd, 'etcd');
  if (etcdProblem) return new Error(etcdProblem);
  const etcd = raw.etcd as Record<string, unknown>;
  if (typeof etcd.endpoint !== 'string') return new Error('etcd.endpoint is not a string');
  if (typeof etcd.dataDir !== 'string') return new Error('etcd.dataDir is not a string');
  if (raw.web !== null) {
    const webProblem = checkManaged(raw.web, 'web');
    if (webProblem) return new Error(webProblem);
    if (typeof (raw.web as Record<string, unknown>).url !== 'string')
      return new Error('web.url is not a string');
  }
  if (raw.secretsDir !== undefined && typeof raw.secretsDir !== 'string') {
    return new Error('secretsDir is not a string');
  }
  if (!Array.isArray(raw.nodes)) return new Error('nodes is not an array');
  for (const [i, node] of raw.nodes.entries()) {
    const problem = checkManaged(node, `nodes[${i}]`);
    if (problem) return new Error(problem);
    const n = node as Record<string, unknown>;
    if (typeof n.id !== 'string') return new Error(`nodes[${i}].id is not a string`);
    if (!Number.isInteger(n.port)) return new Error(`nodes[${i}].port is not a port`);
    if (typeof n.url !== 'string') return new Error(`nodes[${i}].url is not a string`);
    if (typeof n.dataDir !== 'string') return new Error(`nodes[${i}].dataDir is not a string`);
  }
  return raw as unknown as LocalClusterState;
}

/** Reads and parses the state file; `null` when it does not exist. Throws when it is unreadable or invalid. */
export async function readState(file: string): Promise<LocalClusterState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const state = parseState(text);
  if (state instanceof Error)
    throw new Error(`invalid local cluster state ${file}: ${state.message}`);
  return state;
}

/** Writes the state atomically (temp file + rename), creating its folder. */
export async function writeState(file: string, state: LocalClusterState): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}

/** Removes the state file (no error when it is already gone). */
export async function removeState(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** The state of a running local cluster at `file`, or `null` (absent, or its launcher is gone). */
export async function readLiveState(file: string): Promise<LocalClusterState | null> {
  const state = await readState(file);
  return state && isAlive(state.launcherPid) ? state : null;
}
