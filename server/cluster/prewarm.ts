import { createRing, type RingView, routingKey } from '../../ring/index.ts';
import type { Clock } from '../clock.ts';
import type { Coordination } from '../coordination/coordination.ts';
import type { DocumentRegistry } from '../documents/registry.ts';
import type { Logger } from '../log.ts';
import { mergeUpdates } from '../persistence/merge-updates.ts';
import type { DocStore } from '../persistence/store.ts';
import type { PeerPool } from './peer-client.ts';

export interface PrewarmerOptions {
  readonly selfId: string;
  readonly vnodes: number;
  readonly registry: DocumentRegistry;
  readonly store: DocStore;
  readonly pool: PeerPool;
  readonly coordination: Coordination;
  readonly log: Logger;
}

/**
 * The owner side of a join (DESIGN M1): when a member registers `joining`, push it the whole
 * state of every document this node owns that the joiner will own once active, then write
 * the pre-warm marker (`handoff/<joiner>/<self>` in etcd). Correctness does not depend on it (the new owner also pulls on
 * load and the rebalancer pushes after the switch); it makes the switch a short pause.
 */
export function createPrewarmer(options: PrewarmerOptions): (view: RingView) => void {
  const handled = new Set<string>();
  // Joiners this node wrote a marker for: a joiner that stopped waiting (its pre-warm timeout)
  // has already cleared its folder, so a marker written later would stay forever; it is
  // removed once the view shows the joiner is no longer joining.
  const marked = new Set<string>();
  const prewarm = async (joiner: string, view: RingView) => {
    const record = view.members.get(joiner);
    if (!record) return;
    const future = createRing([...view.ring.members, joiner], { vnodes: options.vnodes });
    const ids = new Set([
      ...[...options.registry.loadedRooms()].map((r) => r.docId),
      ...(await options.store.list()),
    ]);
    let pushed = 0;
    for (const docId of ids) {
      const key = routingKey(docId);
      if (view.ring.ownerOf(key) !== options.selfId || future.ownerOf(key) !== joiner) continue;
      const room = options.registry.get(docId);
      let generation: string;
      let state: Uint8Array;
      if (room) {
        generation = room.generation;
        state = room.encode();
      } else {
        const stored = await options.store.load(docId);
        if (!stored) continue;
        generation = stored.generation;
        state = mergeUpdates(stored.updates);
      }
      const res = await options.pool.request(
        record.internalUrl,
        {
          kind: 'push',
          docId,
          generation,
          role: 'handoff',
          ring: view.ring.members.join(','),
          update: state,
        },
        view.epoch,
        30_000,
      );
      if (res.status === 'error') {
        // One document the joiner cannot take (e.g. its copy is corrupt) must not hold up
        // the join: it pulls or gets the state pushed again after the switch.
        options.log.warn('joining member refused a pre-warm push', {
          joiner,
          docId,
          error: res.message,
        });
        continue;
      }
      pushed++;
    }
    await options.coordination.markPrewarmed(joiner, options.selfId, view.epoch);
    marked.add(joiner);
    const now = options.coordination.view();
    if (now && now.members.get(joiner)?.state !== 'joining') {
      marked.delete(joiner);
      await options.coordination.clearPrewarm(joiner);
    }
    options.log.info('pre-warmed a joining member', { joiner, documents: pushed });
  };
  return (view) => {
    if (!view.ring.has(options.selfId)) return;
    for (const [id, record] of view.members) {
      if (record.state !== 'joining' || id === options.selfId || handled.has(id)) continue;
      handled.add(id);
      prewarm(id, view).catch((error: unknown) => {
        handled.delete(id);
        options.log.warn('pre-warming a joining member failed; it will pull on load', {
          joiner: id,
          error,
        });
      });
    }
    for (const id of handled) if (view.members.get(id)?.state !== 'joining') handled.delete(id);
    for (const id of marked) {
      if (view.members.get(id)?.state === 'joining') continue;
      marked.delete(id);
      options.coordination.clearPrewarm(id).catch((error: unknown) => {
        options.log.warn('removing a stale pre-warm marker failed', { joiner: id, error });
      });
    }
  };
}

/**
 * The joiner side: waits until every active member marked it pre-warmed (or `timeoutMs`),
 * then removes the markers. An owner that leaves the ring meanwhile (crashed, drained) is no
 * longer waited for. Returns the members that did not answer in time.
 */
export async function waitForPrewarm(
  coordination: Coordination,
  clock: Clock,
  selfId: string,
  owners: readonly string[],
  timeoutMs: number,
): Promise<string[]> {
  const deadline = clock.now() + timeoutMs;
  const inRing = (id: string) => coordination.view()?.ring.has(id) ?? true;
  let missing = owners.filter(inRing);
  while (missing.length > 0 && clock.now() < deadline) {
    const finished = new Set(await coordination.prewarmedBy(selfId));
    missing = missing.filter((m) => !finished.has(m) && inRing(m));
    if (missing.length > 0) await clock.sleep(100);
  }
  await coordination.clearPrewarm(selfId);
  return missing;
}
