import { routingKey } from '../../../ring/core/routing-key.ts';
import { drive, type SimClock, type TimeControl } from './sim-clock.ts';
import type { SimCluster } from './sim-cluster.ts';
import type { SimEditor } from './sim-editor.ts';

/**
 * Why the cluster is not at rest yet, or `null`: every node that should run is up, not
 * fenced, on the newest view, with no move, write or drain under way, and no simulation
 * event is pending (no message, fsync, timeout or etcd delivery in flight).
 */
export function clusterBusy(cluster: SimCluster): string | null {
  const epoch = cluster.membership.current().epoch;
  for (const slot of cluster.slots.values()) {
    if (slot.destroyed || slot.node?.status() === 'left') continue;
    const node = cluster.live(slot.id);
    if (!node) return `${slot.id} is down`;
    if (node.status() !== 'up') return `${slot.id} is ${node.status()}`;
    if (node.isFenced() || node.etcdPartitioned) return `${slot.id} is fenced`;
    if (node.view()?.epoch !== epoch) return `${slot.id} has view ${node.view()?.epoch} < ${epoch}`;
    if (node.rebalancer.progress().running) return `${slot.id} is rebalancing`;
    if (node.pendingWrites() > 0) return `${slot.id} has writes under way`;
    if (node.pendingHandBack() > 0) return `${slot.id} has provisional documents to hand back`;
    if (node.draining) return `${slot.id} is still draining`;
  }
  const pending = cluster.clock.pending();
  return pending > 0 ? `${pending} simulation events pending` : null;
}

/** Why an editor is not settled on its document's owner (or its forward) yet, or `null`. */
export function editorsBusy(cluster: SimCluster, editors: readonly SimEditor[]): string | null {
  const view = cluster.membership.current();
  for (const e of editors) {
    if (e.closedTab) continue;
    if (!e.settled()) return `${e.name} not settled (${e.ackedCount}/${e.typed.length} acked)`;
    const owner = view.ring.ownerOf(routingKey(e.docId));
    // A forwarded editor (C10) is served by whichever node it reached, through the owner.
    if (!e.forwarded && e.servedBy() !== owner)
      return `${e.name} served by ${e.servedBy()}, owner ${owner}`;
  }
  return null;
}

/**
 * Fires timers until `busy()` returns `null`; throws with the last cause after `limitMs` of
 * simulated time (a livelock or a hang is a failure too).
 */
export async function settle(
  control: TimeControl,
  clock: SimClock,
  busy: () => string | null,
  limitMs: number,
): Promise<void> {
  const limit = clock.now() + limitMs;
  let cause: string | null = 'not checked';
  await drive(control, () => {
    cause = busy();
    return cause === null || clock.now() > limit;
  });
  if (cause !== null) throw new Error(`did not settle within ${limitMs} ms: ${cause}`);
}

/**
 * Awaits `work` while firing timers: the stores' group commit runs on (fake) timers, so a
 * read queued behind a write only completes when time moves.
 */
export async function driven<T>(control: TimeControl, work: Promise<T>): Promise<T> {
  let done = false;
  const finish = () => {
    done = true;
  };
  work.then(finish, finish);
  if (!(await drive(control, () => done))) throw new Error('the check did not complete');
  return work;
}
