import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as prng from 'lib0/prng';
import { createKeyspace } from '../../ring/index.ts';
import { type Cluster, startCluster } from './cluster.ts';
import { Workload } from './workload.ts';

/** What a fault does to the cluster. */
export type FaultKind = 'kill' | 'pause' | 'add' | 'drain' | 'etcd-restart';

/** Every kind, in the order `planSchedule` shuffles them for its opening faults. */
export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'add', 'drain', 'etcd-restart'];

/** One planned fault. */
export interface Fault {
  /** 1-based position in the schedule. */
  readonly n: number;
  readonly kind: FaultKind;
  /** Quiet time after the previous fault recovered, before this one starts (ms). */
  readonly gapMs: number;
  /** The node it hits (kill, pause, drain) or the id of the node it adds (add); `null` for etcd. */
  readonly node: string | null;
  /**
   * kill: time the node stays dead before its restart (may be shorter than the lease);
   * pause: time it stays stopped after the ring dropped it (so always past the TTL);
   * etcd-restart: time etcd stays down. 0 for add and drain.
   */
  readonly holdMs: number;
}

export interface ScheduleOptions {
  readonly seed: number;
  /** Number of faults to plan. */
  readonly faults: number;
  /** Ids of the nodes the cluster starts with (`n1`…); added nodes continue the numbering. */
  readonly initialNodes: readonly string[];
  /** Lease TTL of the nodes in seconds (bounds a kill's down time: 0 … 2 × TTL). */
  readonly leaseTtlS: number;
  /** Fewest members a drain may leave (default 2: with R = 2 one crash still leaves a copy). */
  readonly minNodes?: number;
  /** Most members an add may create (default 4; the machine has 2 cores). */
  readonly maxNodes?: number;
  /** Longest quiet gap between faults (default 3000 ms). */
  readonly maxGapMs?: number;
}

/**
 * Pure: the fault schedule for `seed` (same options → same schedule). The first five faults
 * are a seeded permutation of every kind, so even a short run exercises each of them; later
 * faults are drawn uniformly from the kinds the member count allows (add below `maxNodes`,
 * drain above `minNodes`). Faults run one at a time: R = 2 promises survival of one failure
 * before re-replication, not two at once. Drained nodes never come back; added ones get new ids.
 */
export function planSchedule(options: ScheduleOptions): Fault[] {
  const gen = prng.create(options.seed);
  const minNodes = options.minNodes ?? 2;
  const maxNodes = options.maxNodes ?? 4;
  const maxGapMs = options.maxGapMs ?? 3000;
  const members = [...options.initialNodes];
  let nextId = Math.max(
    members.length,
    ...members.map((id) => Number(/^n(\d+)$/.exec(id)?.[1] ?? 0)),
  );
  const opening = [...FAULT_KINDS];
  for (let i = opening.length - 1; i > 0; i--) {
    const j = prng.int32(gen, 0, i);
    [opening[i], opening[j]] = [opening[j] as FaultKind, opening[i] as FaultKind];
  }
  const faults: Fault[] = [];
  for (let n = 1; n <= options.faults; n++) {
    const allowed = FAULT_KINDS.filter(
      (k) =>
        (k !== 'add' || members.length < maxNodes) && (k !== 'drain' || members.length > minNodes),
    );
    const planned = opening[n - 1];
    const kind = planned && allowed.includes(planned) ? planned : prng.oneOf(gen, allowed);
    const gapMs = prng.int32(gen, 0, maxGapMs);
    let node: string | null = null;
    let holdMs = 0;
    switch (kind) {
      case 'kill':
        node = prng.oneOf(gen, members);
        holdMs = prng.int32(gen, 0, 2 * options.leaseTtlS * 1000);
        break;
      case 'pause':
        node = prng.oneOf(gen, members);
        holdMs = prng.int32(gen, 0, 2000);
        break;
      case 'add':
        node = `n${++nextId}`;
        members.push(node);
        break;
      case 'drain':
        node = prng.oneOf(gen, members);
        members.splice(members.indexOf(node), 1);
        break;
      case 'etcd-restart':
        holdMs = prng.int32(gen, 0, 2000);
        break;
    }
    faults.push({ n, kind, gapMs, node, holdMs });
  }
  return faults;
}

/** One line per fault, e.g. `#3 +1.2 s  kill -9 n2, restart after 3.1 s`. */
export function describeFault(fault: Fault): string {
  const hold = `${(fault.holdMs / 1000).toFixed(1)} s`;
  const what = {
    kill: `kill -9 ${fault.node}, restart after ${hold}`,
    pause: `SIGSTOP ${fault.node} until the ring drops it (past the lease), SIGCONT ${hold} later`,
    add: `add node ${fault.node}`,
    drain: `drain ${fault.node} (etcd control key), it exits 0 and stays gone`,
    'etcd-restart': `kill etcd, restart it after ${hold}`,
  }[fault.kind];
  return `#${fault.n} +${(fault.gapMs / 1000).toFixed(1)} s  ${what}`;
}

export interface ChaosOptions {
  readonly seed: number;
  readonly docs: number;
  readonly editorsPerDoc: number;
  /** No fault starts after this (the five opening faults always run). */
  readonly durationMs: number;
  /** Run at most this many faults (default: as many as fit in `durationMs`). */
  readonly maxFaults?: number;
  /** Node lease TTL in seconds (default 2, etcd's minimum). */
  readonly leaseTtl?: number;
  /** Mean time between two tokens of one editor (default 300 ms). */
  readonly typingIntervalMs?: number;
  /** How long the cluster may take to recover from one fault (default 60 s). */
  readonly recoveryTimeoutMs?: number;
  /** When set and a violation occurs, every node's and etcd's output is written there. */
  readonly logsDir?: string;
  /** Progress lines (default `console.log`). */
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly seed: number;
  readonly schedule: readonly Fault[];
  /** Faults that ran to recovery (a prefix of `schedule`). */
  readonly executed: readonly Fault[];
  /** Empty when every invariant held. */
  readonly violations: readonly string[];
  readonly editors: number;
  readonly typed: number;
  readonly acked: number;
  readonly elapsedMs: number;
}

/**
 * Runs a seeded chaos schedule against a fresh real cluster (etcd + 3 `ringdoc node`
 * processes on loopback): `docs × editorsPerDoc` simulated editors (stock Yjs docs over
 * ringdoc's wire protocol) type unique tokens throughout while the faults of
 * `planSchedule(seed)` run one at a time. After each fault the cluster must recover within
 * `recoveryTimeoutMs`: the planned ring on every node, every editor connected with every token
 * typed before recovery began acknowledged, and both holders of every document storing every
 * acknowledged token. At the end typing stops and `Workload.verify` checks DESIGN M3 on every
 * editor and holder: acked tokens exactly once, no phantom or duplicated token, equal texts and
 * state vectors. Violations are returned, never thrown; the cluster is always stopped.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const leaseTtl = options.leaseTtl ?? 2;
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 60_000;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const violations: string[] = [];
  const executed: Fault[] = [];

  const cluster = await startCluster({ nodes: 3, leaseTtl });
  const initial = cluster.nodes.map((n) => n.id);
  const schedule = planSchedule({
    seed: options.seed,
    faults: options.maxFaults ?? Math.max(FAULT_KINDS.length, Math.ceil(options.durationMs / 2000)),
    initialNodes: initial,
    leaseTtlS: leaseTtl,
  });
  log(
    `chaos seed=${options.seed} docs=${options.docs} editors/doc=${options.editorsPerDoc} duration=${options.durationMs / 1000} s lease=${leaseTtl} s`,
  );
  log(`schedule (runs one fault at a time until the duration is used up):`);
  for (const fault of schedule) log(`  ${describeFault(fault)}`);

  const workload = new Workload(cluster, options.docs, options.editorsPerDoc, `c${options.seed}`);
  const members = new Set(initial);
  try {
    await workload.start();
    workload.startTyping(options.typingIntervalMs ?? 300);
    for (const fault of schedule) {
      const mandatory = fault.n <= FAULT_KINDS.length;
      if (!mandatory && Date.now() - started + fault.gapMs > options.durationMs) break;
      await sleep(fault.gapMs);
      log(`[${elapsed()}] ${describeFault(fault)}`);
      const faultStarted = Date.now();
      try {
        await inject(cluster, fault, members, recoveryTimeoutMs);
        const marks = workload.typedMarks();
        await cluster.waitForRing([...members], recoveryTimeoutMs);
        await workload.waitAcked(marks, recoveryTimeoutMs);
        await workload.waitReplicated(2, recoveryTimeoutMs);
      } catch (error) {
        violations.push(`fault ${describeFault(fault)}: ${(error as Error).message}`);
        log(`[${elapsed()}]   VIOLATION: ${(error as Error).message}`);
        break;
      }
      executed.push(fault);
      log(
        `[${elapsed()}]   recovered in ${((Date.now() - faultStarted) / 1000).toFixed(1)} s; ring [${[...members].join(',')}], ${workload.ackedTotal()} tokens acked so far`,
      );
    }
    workload.stopTyping();
    log(`[${elapsed()}] typing stopped; settling`);
    await workload.settle(recoveryTimeoutMs).catch((error: Error) => {
      violations.push(`final settle: ${error.message}`);
    });
    violations.push(...(await workload.verify()), ...workload.badCloses());
  } catch (error) {
    violations.push(`harness: ${(error as Error).stack ?? error}`);
  } finally {
    workload.stop();
    if (violations.length > 0 && options.logsDir) await saveLogs(cluster, options.logsDir);
    await cluster.stop();
  }
  const typed = workload.editors.reduce((n, e) => n + e.typed.length, 0);
  const report: ChaosReport = {
    seed: options.seed,
    schedule,
    executed,
    violations,
    editors: workload.editors.length,
    typed,
    acked: workload.ackedTotal(),
    elapsedMs: Date.now() - started,
  };
  log(
    `chaos seed=${report.seed}: ${executed.length} faults [${executed.map((f) => f.kind).join(', ')}], ${report.editors} editors, ${typed} tokens typed, ${report.acked} acked, ${violations.length} violations, ${elapsed()}`,
  );
  return report;
}

async function inject(
  cluster: Cluster,
  fault: Fault,
  members: Set<string>,
  timeoutMs: number,
): Promise<void> {
  switch (fault.kind) {
    case 'kill': {
      const node = cluster.node(fault.node as string);
      await node.kill();
      await sleep(fault.holdMs);
      await node.start();
      return;
    }
    case 'pause': {
      const node = cluster.node(fault.node as string);
      node.pause();
      try {
        await cluster.waitForRing(
          [...members].filter((id) => id !== node.id),
          timeoutMs,
        );
        await sleep(fault.holdMs);
      } finally {
        node.resume();
      }
      return;
    }
    case 'add':
      await cluster.addNode(fault.node as string);
      members.add(fault.node as string);
      return;
    case 'drain': {
      const node = cluster.node(fault.node as string);
      await cluster.etcd.etcdctl(
        'put',
        createKeyspace(cluster.prefix).drainRequestKey(node.id),
        JSON.stringify({ requestedAt: Date.now() }),
      );
      members.delete(node.id);
      const code = await node.exited(timeoutMs);
      if (code !== 0) throw new Error(`drained node ${node.id} exited with ${code}, not 0`);
      return;
    }
    case 'etcd-restart':
      await cluster.etcd.kill();
      await sleep(fault.holdMs);
      await cluster.etcd.restart();
      return;
  }
}

async function saveLogs(cluster: Cluster, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch(() => {});
  await writeFile(path.join(dir, 'etcd.log'), cluster.etcd.output()).catch(() => {});
  for (const node of cluster.nodes) {
    await writeFile(path.join(dir, `node-${node.id}.log`), node.output()).catch(() => {});
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
