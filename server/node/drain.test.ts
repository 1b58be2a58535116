import { describe, expect, it } from 'vitest';
import type { MemberState, Membership } from '../../ring/index.ts';
import type { Rebalancer } from '../cluster/rebalancer.ts';
import type { Coordination } from '../coordination/coordination.ts';
import type { DocumentRegistry } from '../documents/registry.ts';
import { createSilentLogger } from '../log.ts';
import type { DocStore } from '../persistence/store.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createDrainer } from './drain.ts';

function setup(options: { setStateFailures?: number; listFailures?: number } = {}) {
  let setStateFailures = options.setStateFailures ?? 0;
  let listFailures = options.listFailures ?? 0;
  const states: MemberState[] = [];
  let left = 0;
  let cleared = 0;
  const membership = {
    async setState(state: MemberState) {
      if (setStateFailures-- > 0) throw new Error('etcd refused the write');
      states.push(state);
    },
    async leave() {
      left++;
    },
  } as unknown as Membership;
  const store = {
    async list() {
      if (listFailures-- > 0) throw new Error('EIO: cannot read the data directory');
      return [];
    },
  } as unknown as DocStore;
  const registry = {
    loadedRooms: () => [][Symbol.iterator](),
    loadedCount: 0,
    unloadIfIdle: () => true,
  } as unknown as DocumentRegistry;
  const rebalancer = { idle: async () => {}, schedule: () => {} } as unknown as Rebalancer;
  const coordination = {
    clearDrainRequest: async () => {
      cleared++;
    },
  } as unknown as Coordination;
  const drainer = createDrainer({
    selfId: 'n1',
    membership: () => membership,
    coordination,
    rebalancer,
    registry,
    store,
    view: () => null,
    redirectClients: () => {},
    clock: createManualClock({ autoAdvance: true }),
    log: createSilentLogger(),
    halted: () => false,
  });
  return { drainer, states, left: () => left, cleared: () => cleared };
}

describe('drain (M2)', () => {
  it('[M2] a drain whose state change etcd refused rejects, leaves the node ready, and can be retried', async () => {
    const { drainer, states, left } = setup({ setStateFailures: 1 });
    await expect(drainer.drain()).rejects.toThrow(/etcd refused/);
    expect(drainer.running).toBe(false); // /readyz no longer says "draining" forever
    expect(left()).toBe(0);
    await drainer.drain();
    await drainer.drained;
    expect(states).toEqual(['draining']);
    expect(left()).toBe(1);
  });

  it('[M2] a store that cannot list its documents is retried; the drain completes, nothing rejects', async () => {
    const { drainer, left, cleared } = setup({ listFailures: 3 });
    await drainer.drain();
    await drainer.drained;
    expect(left()).toBe(1);
    expect(cleared()).toBe(1);
  });

  it('[M2] concurrent drain requests share one drain', async () => {
    const { drainer, states } = setup();
    await Promise.all([drainer.drain(), drainer.drain()]);
    expect(states).toEqual(['draining']);
  });
});
