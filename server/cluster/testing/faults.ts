import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';
import type { SimCluster } from './sim-cluster.ts';
import type { SimEditor } from './sim-editor.ts';
import type { SimNode } from './sim-node.ts';

/** What can strike during a run. */
export type FaultKind =
  | 'disconnect'
  | 'crash'
  | 'partition'
  | 'join'
  | 'drain'
  | 'cut'
  | 'sweep'
  | 'tab'
  | 'destroy'
  | 'client-cut'
  | 'false-suspicion'
  | 'pause'
  | 'two-holders';

/** Relative frequency of each fault in a schedule. */
export const FAULT_WEIGHTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['disconnect', 3],
  ['crash', 2],
  ['partition', 1.5],
  ['join', 1],
  ['drain', 1],
  ['cut', 1.5],
  ['sweep', 1],
  ['tab', 0.5],
  ['destroy', 0.6],
  ['client-cut', 1],
  ['false-suspicion', 1],
  ['pause', 3],
  ['two-holders', 2.5],
];

/**
 * The lease TTL the simulation stands for when it pauses a node: a pause is drawn shorter,
 * so the paused node's lease stays and it is still the owner when it resumes (M8).
 */
export const SIM_LEASE_TTL_MS = 1000;

/** How long the cluster must have been whole before the next node fault (single-fault model). */
export const RECOVERY_MS = 1000;

/** Picks an item with probability proportional to its weight. */
export function weighted<T>(prng: Prng, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = prng.next() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

export interface FaultInjectorOptions {
  readonly cluster: SimCluster;
  readonly clock: SimClock;
  /** Chooses targets (a stream of its own, so the schedule does not shift with the state). */
  readonly pick: Prng;
  /** Node ids a join may use. */
  readonly slotIds: readonly string[];
  readonly editors: () => readonly SimEditor[];
  /** Opens a new tab on `docId` (a new editor). */
  readonly addEditor: (docId: string) => SimEditor;
  /** Runs `fn` after `ms` unless the run is over (healed). */
  readonly at: (ms: number, fn: () => void) => void;
  /** Records a schedule line. */
  readonly note: (text: string) => void;
  /** See `RunSeedOptions.overlappingFaults`. */
  readonly overlapping: boolean;
  /** True once the member set dropped below R after editors started (no disk may be lost then). */
  readonly degraded: () => boolean;
}

export interface FaultInjector {
  /** Strikes with `kind` if the current state allows it (else does nothing). */
  inject(kind: FaultKind): void;
  /** Called after every simulation step: tracks when the cluster was last not whole. */
  observe(): void;
  /** Starts a crashed node again once its old lease is gone (retries until then). */
  restart(id: string): void;
  /** Cancels the restart retries still scheduled. */
  stop(): void;
}

/**
 * Applies faults to the simulated cluster, with the guards that keep a schedule meaningful:
 * at least one healthy node always remains, at most one disk is ever lost (and only while
 * the member set never dropped below R), and — unless `overlapping` — a node fault strikes
 * only a cluster that has been whole for `RECOVERY_MS` (one failure at a time).
 */
export function createFaultInjector(options: FaultInjectorOptions): FaultInjector {
  const { cluster, clock, pick, note } = options;
  let lastBroken = -RECOVERY_MS;
  let destroyed = false;
  const retries: Array<() => void> = [];

  const healthy = (): SimNode[] =>
    [...cluster.slots.values()]
      .map((s) => cluster.live(s.id))
      .filter(
        (n): n is SimNode =>
          n !== null &&
          n.status() === 'up' &&
          !n.paused &&
          !n.etcdPartitioned &&
          !n.isFenced() &&
          !n.draining &&
          n.memberState() === 'active',
      );

  /**
   * Every node is up, reachable, not fenced, has the newest view and no move under way, and
   * no lost node is still in the member set (its documents are not re-replicated yet).
   */
  const whole = (): boolean => {
    const epoch = cluster.membership.current().epoch;
    for (const slot of cluster.slots.values()) {
      if (slot.destroyed) {
        if (cluster.membership.leaseOf(slot.id) !== undefined) return false;
        continue;
      }
      if (slot.node?.status() === 'left') continue;
      const node = cluster.live(slot.id);
      if (node?.status() !== 'up' || node.paused || node.etcdPartitioned || node.isFenced())
        return false;
      if (node.view()?.epoch !== epoch || node.rebalancer.progress().running) return false;
    }
    return true;
  };

  const nodeFaultAllowed = (): boolean =>
    options.overlapping || (whole() && clock.now() - lastBroken >= RECOVERY_MS);

  const liveEditors = () => options.editors().filter((e) => !e.closedTab);
  const liveNodes = () => [...cluster.slots.keys()].filter((id) => cluster.live(id));

  const restart = (id: string): void => {
    const slot = cluster.slots.get(id);
    if (!slot || slot.destroyed || cluster.live(id) || slot.node?.status() === 'left') return;
    if (cluster.membership.leaseOf(id) !== undefined) {
      // The old process's lease still holds the member key: a new one waits for it to expire.
      retries.push(clock.after(100, () => restart(id)));
      return;
    }
    note(`restart ${id}`);
    cluster.start(id);
  };

  const inject = (kind: FaultKind): void => {
    const up = healthy();
    switch (kind) {
      case 'disconnect': {
        const e = liveEditors();
        if (e.length === 0) return;
        const editor = pick.pick(e);
        note(`disconnect ${editor.name}`);
        editor.disconnect();
        return;
      }
      case 'crash': {
        if (up.length < 2 || !nodeFaultAllowed()) return;
        const node = pick.pick(up);
        note(`crash ${node.id}`);
        node.crash();
        if (!options.overlapping || pick.chance(0.7)) {
          options.at(pick.int(200, 2000), () => restart(node.id));
        }
        return;
      }
      case 'partition': {
        if (up.length < 2 || !nodeFaultAllowed()) return;
        const node = pick.pick(up);
        const fenceAfter = pick.int(150, 500);
        const expireAfter = fenceAfter + pick.int(100, 600);
        const healAfter = pick.chance(0.3) ? pick.int(20, 140) : pick.int(300, 1800);
        note(
          `partition ${node.id} from etcd (fence +${fenceAfter}, lease +${expireAfter}, heal +${healAfter})`,
        );
        node.partitionFromEtcd(fenceAfter, expireAfter);
        options.at(healAfter, () => {
          note(`heal etcd partition of ${node.id}`);
          node.healEtcd();
        });
        return;
      }
      case 'join': {
        const free = options.slotIds.filter((id) => {
          const slot = cluster.slots.get(id);
          return !slot || (!slot.destroyed && slot.node?.status() === 'left');
        });
        if (free.length === 0) return;
        const id = pick.pick(free);
        note(`join ${id}`);
        cluster.start(id);
        return;
      }
      case 'drain': {
        if (up.length < 2) return;
        const node = pick.pick(up);
        note(`drain ${node.id}`);
        node.drain();
        return;
      }
      case 'cut': {
        const nodes = liveNodes();
        if (nodes.length < 2) return;
        const a = pick.pick(nodes);
        const b = pick.pick(nodes.filter((id) => id !== a));
        note(`cut link ${a}-${b}`);
        cluster.net.abortBetween(a, b);
        return;
      }
      case 'sweep': {
        const nodes = liveNodes();
        if (nodes.length === 0) return;
        const id = pick.pick(nodes);
        note(`idle unload on ${id}`);
        cluster.live(id)?.sweepIdle();
        return;
      }
      case 'tab': {
        const e = liveEditors();
        if (e.length === 0) return;
        const editor = pick.pick(e);
        const fresh = options.addEditor(editor.docId);
        note(`${editor.name} closes its tab; ${fresh.name} opens ${fresh.docId}`);
        editor.closeTab();
        fresh.start();
        return;
      }
      case 'client-cut': {
        // P33: one editor loses its path to the node serving it, nothing else does.
        const e = liveEditors().filter((x) => x.servedBy() !== null);
        if (e.length === 0) return;
        const editor = pick.pick(e);
        const node = editor.servedBy() as string;
        const healAfter = pick.int(100, 2500);
        note(`cut ${editor.name} from ${node} only (heal +${healAfter})`);
        cluster.net.block(editor.name, node, true);
        options.at(healAfter, () => {
          note(`heal the path ${editor.name}-${node}`);
          cluster.net.block(editor.name, node, false);
        });
        return;
      }
      case 'false-suspicion': {
        // P30 with a live owner: the editor's socket dies, the owner is fine; it fails over
        // naming its owner as suspect (a failover editor) and must be handed back.
        const e = liveEditors().filter((x) => x.failsOver && x.servedBy() !== null);
        if (e.length === 0) return;
        const editor = pick.pick(e);
        note(`false suspicion: ${editor.name} drops its socket to the live ${editor.servedBy()}`);
        editor.disconnect();
        return;
      }
      case 'pause': {
        // SIGSTOP of the node serving an editor for less than the TTL, then SIGCONT: its
        // failover editors suspect it (no ACK progress) and are served provisionally (P30);
        // the owner comes back with its lease and the copies merge and hand back (P32).
        if (up.length < 2 || !nodeFaultAllowed()) return;
        const served = new Set(liveEditors().map((e) => e.servedBy()));
        const targets = up.filter((n) => served.has(n.id));
        const node = pick.pick(targets.length > 0 ? targets : up);
        const resumeAfter = pick.int(100, SIM_LEASE_TTL_MS - 100);
        note(`pause ${node.id} (SIGSTOP, resume +${resumeAfter}, TTL ${SIM_LEASE_TTL_MS})`);
        node.pause();
        options.at(resumeAfter, () => {
          note(`resume ${node.id} (SIGCONT)`);
          node.resume();
        });
        return;
      }
      case 'two-holders': {
        // P34: the node serving a failover editor crashes; once the editor is served
        // provisionally elsewhere, that holder crashes too: the editor names both and a
        // third node serves it. Both restart later (their disks survive).
        if (up.length < 3 || !nodeFaultAllowed()) return;
        const e = liveEditors().filter((x) => x.failsOver && up.some((n) => n.id === x.servedBy()));
        if (e.length === 0) return;
        const editor = pick.pick(e);
        const first = cluster.live(editor.servedBy() as string) as SimNode;
        note(`crash ${first.id}, the node serving ${editor.name} (first of two holders)`);
        first.crash();
        options.at(pick.int(200, 2000), () => restart(first.id));
        const restartSecond = pick.int(200, 2000);
        let tries = 0;
        const second = () => {
          const holder = editor.servedBy();
          const node = holder === null ? null : cluster.live(holder);
          if (node && holder !== first.id && node.status() === 'up' && !node.paused) {
            note(`crash ${holder}, the node now serving ${editor.name} (second holder)`);
            node.crash();
            options.at(restartSecond, () => restart(node.id));
            return;
          }
          if (++tries < 40) options.at(50, second);
          else note(`${editor.name} not served again within 2 s: no second crash`);
        };
        options.at(50, second);
        return;
      }
      case 'destroy': {
        const all = [...cluster.slots.values()];
        if (destroyed || options.degraded() || up.length < 3 || up.length !== all.length) return;
        if (!nodeFaultAllowed()) return;
        const node = pick.pick(up);
        destroyed = true;
        note(`destroy ${node.id} (crash and lose its disk)`);
        cluster.destroy(node.id);
        return;
      }
    }
  };

  return {
    inject,
    observe() {
      if (!whole()) lastBroken = clock.now();
    },
    restart,
    stop() {
      for (const cancel of retries.splice(0)) cancel();
    },
  };
}
