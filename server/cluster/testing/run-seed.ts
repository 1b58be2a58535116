import { checkCluster } from './checker.ts';
import { createFaultInjector, FAULT_WEIGHTS, weighted } from './faults.ts';
import { createPrng } from './prng.ts';
import { clusterBusy, driven, editorsBusy, settle } from './settle.ts';
import { createSimClock, drive, type TimeControl } from './sim-clock.ts';
import { createSimCluster, type SimCluster } from './sim-cluster.ts';
import { SimEditor } from './sim-editor.ts';

/** Copies per document (R). */
const REPLICAS = 2;
/** Node ids a seed may use. */
const SLOT_IDS = ['n1', 'n2', 'n3', 'n4'];
/** Simulated time a heal phase may take before the seed fails as "did not settle". */
const SETTLE_LIMIT_MS = 90_000;

/** A seed broke an invariant; the message holds the seed, the problems and the schedule. */
export class ConvergenceError extends Error {
  override readonly name = 'ConvergenceError';
  constructor(
    readonly seed: number,
    readonly problems: readonly string[],
    readonly log: string,
  ) {
    super(
      `convergence fuzz: seed ${seed} failed (replay: FUZZ_SEED=${seed} npx vitest run --project unit server/cluster/convergence.fuzz.test.ts)\n` +
        `${problems.map((p) => `  - ${p}`).join('\n')}\n${log}`,
    );
  }
}

/** What a passing seed did. */
export interface SeedReport {
  readonly seed: number;
  readonly simMs: number;
  readonly nodes: number;
  readonly docs: number;
  readonly editors: number;
  readonly typed: number;
  readonly acked: number;
  /** The faults that struck, with their simulated time. */
  readonly faults: readonly string[];
  readonly redirects: number;
  /** Tabs told to reload by a generation change (M7) before anything of theirs was acked. */
  readonly reloads: number;
  /** Stored copies left on nodes outside a document's preference list. */
  readonly leftoverCopies: number;
}

export interface RunSeedOptions {
  /** Steps the (fake) timers; see `sim-clock.ts`. */
  readonly control: TimeControl;
  /** Keep the whole trace (default: the last 120 lines) and print it on failure. */
  readonly fullTrace?: boolean;
  /** Trace view deliveries and replicated updates too. */
  readonly verbose?: boolean;
  /**
   * Let node faults overlap (default false). By default a crash, etcd partition or lost disk
   * strikes only a cluster whose nodes are all up, reachable and caught up, and that has been
   * so for `RECOVERY_MS`: one failure at a time, which R = 2 is built to survive. Overlapping
   * faults can take every holder of a document out of the ring at once (see the report of
   * issue #5: the document is then re-created under a new generation).
   */
  readonly overlappingFaults?: boolean;
}

/**
 * Runs one seed of the convergence fuzz (issue #5) and throws `ConvergenceError` on any
 * violation. The seed decides everything: cluster size, documents, editors, when they type,
 * which faults strike when (editor disconnects, node crashes and restarts, etcd partitions
 * that fence a node, joins, drains, internal link cuts, idle unloads, closed tabs, at most
 * one lost disk) and every network, disk and etcd delay.
 *
 * Phases: boot the initial cluster; run the schedule; heal (editors suspended, partitions
 * healed, crashed nodes restarted) and settle, then check that every acknowledged token is
 * on every holder of the final view (lost acks would show here: editors cannot re-send);
 * resume the editors and settle, then check full convergence (see `checkCluster`).
 */
export async function runSeed(seed: number, options: RunSeedOptions): Promise<SeedReport> {
  const root = createPrng(seed);
  const plan = root.fork('schedule');
  const clock = createSimClock();
  const trace: string[] = [];
  const faults: string[] = [];
  const keep = options.fullTrace ? Number.POSITIVE_INFINITY : 120;
  const log = (line: string) => {
    trace.push(`${String(clock.now()).padStart(6)} ${line}`);
    if (trace.length > keep) trace.shift();
  };
  let editorsStarted = false;
  let healed = false;
  let degraded = false;
  const stalls: string[] = [];
  const cluster = createSimCluster({
    clock,
    prng: root.fork('world'),
    vnodes: 128,
    trace: log,
    verbose: options.verbose === true,
    onError: (node, message, fields) => {
      // A live node whose writes wait out the whole replication deadline after the heal is
      // stuck (e.g. two nodes waiting on each other), not delayed by a fault.
      const error = fields?.error;
      const text = error instanceof Error ? error.message : String(error);
      if (healed && cluster.live(node) && /acknowledged within/.test(text)) {
        stalls.push(`${node}: ${message}: ${text}`);
      }
    },
    onRevision: (view) => {
      if (editorsStarted && view.ring.members.length < REPLICAS) degraded = true;
    },
  });

  const nodeCount = plan.int(2, 3);
  const docIds = Array.from({ length: plan.int(1, 3) }, (_, i) => `d${seed}-${i}`);
  const editors: SimEditor[] = [];
  const addEditor = (docId: string): SimEditor => {
    const name = `e${editors.length + 1}`;
    const editor = new SimEditor({
      name,
      docId,
      clientId: (Math.imul(seed, 2654435761) + editors.length * 40503 + 1) >>> 0,
      clock,
      prng: root.fork(`editor-${name}`),
      transport: cluster.editorTransport,
      trace: log,
      // C10: about one editor in three is forwarded by the node it reaches (its own stream,
      // so the seed's other draws are unchanged).
      forwarded: root.fork(`forward-${name}`).int(0, 2) === 0,
      // P30: most editors fail over to the next holder (their own stream, as above).
      ...(root.fork(`failover-${name}`).int(0, 3) > 0 ? { failover: { ackTimeoutMs: 400 } } : {}),
    });
    editors.push(editor);
    return editor;
  };
  const editorCount = plan.int(2, 3);
  for (let i = 0; i < editorCount; i++) addEditor(docIds[i % docIds.length] as string);
  const runMs = plan.int(1200, 2500);
  const setup = `${nodeCount} nodes, docs ${docIds.join(' ')}, editors ${editors.map((e) => `${e.name}@${e.docId}${e.forwarded ? ' (forwarded)' : ''}${e.failsOver ? ' (failover)' : ''}`).join(' ')}, ${runMs} ms`;

  const fail = (problems: string[]): never => {
    const schedule = faults.length ? faults.join('\n    ') : '(no faults)';
    throw new ConvergenceError(
      seed,
      problems,
      `  setup: ${setup}\n  faults:\n    ${schedule}\n  trace (last ${trace.length} lines):\n    ${trace.join('\n    ')}`,
    );
  };
  const settleOrFail = async (what: string, busy: () => string | null) => {
    try {
      await settle(options.control, clock, busy, SETTLE_LIMIT_MS);
    } catch (error) {
      fail([`${what} ${(error as Error).message}`]);
    }
  };

  // Boot: the initial members register as active; editors start once every node sees them all.
  for (let i = 0; i < nodeCount; i++) cluster.start(SLOT_IDS[i] as string);
  const initial = SLOT_IDS.slice(0, nodeCount);
  const booted = await drive(
    options.control,
    () =>
      initial.every((id) => {
        const node = cluster.live(id);
        return node?.status() === 'up' && node.view()?.epoch === cluster.membership.current().epoch;
      }) && cluster.membership.current().ring.members.length === nodeCount,
  );
  if (!booted) fail(['the initial cluster did not boot']);
  editorsStarted = true;
  for (const e of editors) e.start();

  // The run: typing and faults at random times.
  const cancels: Array<() => void> = [];
  const at = (ms: number, fn: () => void) => {
    cancels.push(clock.after(ms, () => !healed && fn()));
  };
  const note = (text: string) => {
    faults.push(`${String(clock.now()).padStart(6)} ${text}`);
    log(`FAULT ${text}`);
  };
  const pick = root.fork('targets');
  const injector = createFaultInjector({
    cluster,
    clock,
    pick,
    slotIds: SLOT_IDS,
    editors: () => editors,
    addEditor,
    at,
    note,
    overlapping: options.overlappingFaults === true,
    degraded: () => degraded,
  });
  const typeInto = (docId: string) => {
    const candidates = editors.filter((e) => e.docId === docId && !e.closedTab);
    if (candidates.length > 0) pick.pick(candidates).type();
  };
  for (const editor of editors.slice(0)) {
    const tokens = plan.int(6, 12);
    for (let i = 0; i < tokens; i++) at(plan.int(0, runMs), () => typeInto(editor.docId));
  }
  const faultCount = plan.int(2, 7);
  for (let i = 0; i < faultCount; i++) {
    const kind = weighted(plan, FAULT_WEIGHTS);
    at(plan.int(0, runMs), () => injector.inject(kind));
  }
  let runOver = false;
  clock.after(runMs, () => {
    runOver = true;
  });
  await drive(options.control, () => {
    injector.observe();
    return runOver;
  });

  // Heal: no more faults, editors suspended, partitions healed, crashed nodes restarted.
  healed = true;
  for (const cancel of cancels) cancel();
  note('heal: editors suspended, partitions healed, crashed nodes restart');
  for (const e of editors) e.suspend();
  cluster.net.setCalm(true);
  cluster.net.unblockAll();
  for (const slot of cluster.slots.values()) {
    const node = cluster.live(slot.id);
    node?.resume();
    if (node?.etcdPartitioned) node.healEtcd();
    else if (!node && slot.node?.status() === 'crashed') injector.restart(slot.id);
  }
  await settleOrFail('cluster (editors suspended)', () => clusterBusy(cluster));
  const first = await driven(
    options.control,
    checkCluster(cluster, editors, { editorsSettled: false, replicas: REPLICAS }),
  );
  if (first.problems.length > 0) fail(['after healing, editors suspended:', ...first.problems]);
  const editorProblems = [...editors.flatMap((e) => e.violations), ...stalls];
  if (editorProblems.length > 0) fail(editorProblems);

  // Editors come back: everything typed is acknowledged and every copy converges.
  note('editors resume');
  for (const e of editors) e.start();
  await settleOrFail('editors', () => clusterBusy(cluster) ?? editorsBusy(cluster, editors));
  const second = await driven(
    options.control,
    checkCluster(cluster, editors, { editorsSettled: true, replicas: REPLICAS }),
  );
  const problems = [...second.problems, ...editors.flatMap((e) => e.violations), ...stalls];
  if (problems.length > 0) fail(['after editors resumed:', ...problems]);
  injector.stop();

  const report: SeedReport = {
    seed,
    simMs: clock.now(),
    nodes: cluster.slots.size,
    docs: docIds.length,
    editors: editors.length,
    typed: editors.reduce((s, e) => s + e.typed.length, 0),
    acked: editors.reduce((s, e) => s + e.acked().length, 0),
    faults,
    redirects: editors.reduce((s, e) => s + e.redirectsFollowed, 0),
    reloads: editors.reduce((s, e) => s + e.resets, 0),
    leftoverCopies: second.leftoverCopies,
  };
  shutdown(cluster, editors);
  return report;
}

/** Releases every room and document of the seed (their awareness timers included). */
export function shutdown(cluster: SimCluster, editors: readonly SimEditor[]): void {
  for (const slot of cluster.slots.values()) slot.node?.crash();
  for (const slot of cluster.slots.values()) slot.node?.registry.dropAll();
  for (const e of editors) {
    e.suspend();
    e.doc.destroy();
  }
}
