import { describe, expect, it } from 'vitest';
import { routingKey } from '../../ring/core/routing-key.ts';
import type { RingView } from '../../ring/etcd/types.ts';
import type { DocumentRegistry } from '../documents/registry.ts';
import type { Room } from '../documents/room.ts';
import { createSilentLogger } from '../log.ts';
import type { DocStore } from '../persistence/store.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import type { PeerPool, RequestBody } from './peer-client.ts';
import { createRebalancer } from './rebalancer.ts';
import { ringViewOf } from './testing/ring-view.ts';

/** A loaded room as the rebalancer sees it (the parts it uses). */
function fakeRoom(docId: string, connectionCount: number): Room {
  return {
    docId,
    generation: 'g',
    connectionCount,
    encode: () => new Uint8Array([0, 0]),
    durable: () => Promise.resolve(),
  } as unknown as Room;
}

describe('rebalancer (M1, M2)', () => {
  it('[M1] on a join, rooms changing owner are handed off before rooms that only gain a replica, busiest first', async () => {
    const before = ringViewOf(['a', 'b', 'c'], 1);
    const after = ringViewOf(['a', 'b', 'c', 'd'], 2);
    // Documents owned by `a` before the join: some move to `d`, others stay and gain `d` as
    // their replica (R = 2).
    const ids = Array.from({ length: 400 }, (_, i) => `doc-${i}`);
    const ownedByA = ids.filter((id) => before.ring.ownerOf(routingKey(id)) === 'a');
    const leaving = ownedByA.filter((id) => after.ring.ownerOf(routingKey(id)) === 'd');
    const gainReplica = ownedByA.filter(
      (id) =>
        after.ring.ownerOf(routingKey(id)) === 'a' &&
        after.ring.preferenceList(routingKey(id), 2).includes('d') &&
        !before.ring.preferenceList(routingKey(id), 2).includes('d'),
    );
    expect(leaving.length).toBeGreaterThan(3);
    expect(gainReplica.length).toBeGreaterThan(3);
    // Replica-only rooms are the busier ones and come first in the registry: only the owner
    // change may put the leaving rooms ahead.
    const rooms = [
      ...gainReplica.map((id) => fakeRoom(id, 5)),
      ...leaving.map((id, i) => fakeRoom(id, i === leaving.length - 1 ? 3 : 1)),
    ];
    const pushed: string[] = [];
    const pool = {
      request: async (_url: string, body: RequestBody) => {
        if (body.kind === 'push') pushed.push(body.docId);
        return { status: 'ok', epoch: 2, doc: null };
      },
    } as unknown as PeerPool;
    const registry = {
      loadedRooms: () => rooms.values(),
      pendingLoad: () => undefined,
      get: () => undefined,
      unloadIfIdle: () => false,
      forget: () => {},
    } as unknown as DocumentRegistry;
    const store = { list: async () => [] } as unknown as DocStore;
    let view: RingView = before;
    const clock = createManualClock();
    const rebalancer = createRebalancer({
      selfId: 'a',
      replicas: 2,
      registry,
      store,
      pool,
      log: createSilentLogger(),
      clock,
      view: () => view,
      redirectClients: () => {},
      paused: () => false,
      concurrency: 1,
    });
    rebalancer.schedule();
    await rebalancer.idle();
    // The first pass (no earlier view: every holder is new) pushed everything once.
    pushed.length = 0;
    view = after;
    rebalancer.schedule();
    // The pass re-runs while rooms that left still have clients: stop after the first one.
    while (pushed.length < leaving.length + gainReplica.length) await Promise.resolve();
    rebalancer.stop();
    const firstPushes = pushed.slice(0, leaving.length);
    expect(new Set(firstPushes)).toEqual(new Set(leaving));
    // Among the leaving rooms, the one with the most editors goes first.
    expect(firstPushes[0]).toBe(leaving.at(-1));
    expect(new Set(pushed.slice(leaving.length, leaving.length + gainReplica.length))).toEqual(
      new Set(gainReplica),
    );
  });
});
