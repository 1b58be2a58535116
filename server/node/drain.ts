import type { Membership, RingView } from '../../ring/index.ts';
import type { Clock } from '../clock.ts';
import type { Rebalancer } from '../cluster/rebalancer.ts';
import type { Coordination } from '../coordination/coordination.ts';
import type { DocumentRegistry } from '../documents/registry.ts';
import type { Room } from '../documents/room.ts';
import type { Logger } from '../log.ts';
import type { DocStore } from '../persistence/store.ts';

export interface DrainOptions {
  readonly selfId: string;
  readonly membership: () => Membership | null;
  readonly coordination: Coordination;
  readonly rebalancer: Rebalancer;
  readonly registry: DocumentRegistry;
  readonly store: DocStore;
  readonly view: () => RingView | null;
  readonly redirectClients: (room: Room, view: RingView) => void;
  readonly clock: Clock;
  readonly log: Logger;
  /** True once the node stops or dies: the drain loop ends without leaving. */
  readonly halted: () => boolean;
  /** How long between two checks of what is left to hand off (default 200 ms). */
  readonly pollMs?: number;
}

/** A node's planned leave (M2). */
export interface Drainer {
  /**
   * Turns `draining` (out of the ring), hands every document (loaded or stored) to its new
   * holders, redirects clients, then revokes the lease and resolves `drained`. Concurrent calls
   * share one drain. Rejects if the drain could not start or finish (etcd refused the state
   * change or the lease revoke); the node then stays as it was and a later call retries.
   * A store that cannot list its documents is retried, never a reason to give up.
   */
  drain(): Promise<void>;
  /** True while a drain runs. */
  readonly running: boolean;
  /** Resolves once a drain completed (the process should then exit 0). */
  readonly drained: Promise<void>;
}

/** Creates the drain of one node. */
export function createDrainer(options: DrainOptions): Drainer {
  const { registry, store, rebalancer, log, clock } = options;
  const pollMs = options.pollMs ?? 200;
  let current: Promise<void> | null = null;
  let markDrained: () => void = () => {};
  const drained = new Promise<void>((resolve) => {
    markDrained = resolve;
  });

  /** Documents still stored here, or `null` when the store could not say (retried). */
  const storedCount = async (): Promise<number | null> => {
    try {
      return (await store.list()).length;
    } catch (error) {
      log.warn('draining: the store cannot list its documents; retrying', { error });
      return null;
    }
  };

  const run = async () => {
    const membership = options.membership();
    if (!membership) throw new Error('cannot drain: not registered');
    log.info('draining: leaving the ring and handing documents off');
    await membership.setState('draining');
    for (;;) {
      await rebalancer.idle();
      if (options.halted()) return;
      for (const room of [...registry.loadedRooms()]) {
        const view = options.view();
        if (view) options.redirectClients(room, view);
        registry.unloadIfIdle(room);
      }
      const stored = await storedCount();
      if (options.halted()) return;
      if (registry.loadedCount === 0 && stored === 0) break;
      rebalancer.schedule();
      await clock.sleep(pollMs);
    }
    await options.coordination.clearDrainRequest(options.selfId).catch((error: unknown) => {
      log.warn('could not remove the drain request', { error });
    });
    await membership.leave();
    log.info('drained: every document handed off; lease revoked');
    markDrained();
  };

  return {
    drain() {
      current ??= run().catch((error: unknown) => {
        current = null;
        log.error('drain failed; it can be requested again', { error });
        throw error;
      });
      return current;
    },
    get running() {
      return current !== null;
    },
    drained,
  };
}
