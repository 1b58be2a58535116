import { describe, expect, it, vi } from 'vitest';
import { createRing, type RingView } from '../../ring/index.ts';
import type { Coordination } from '../coordination/coordination.ts';
import type { DocumentRegistry } from '../documents/registry.ts';
import { createSilentLogger } from '../log.ts';
import type { DocStore } from '../persistence/store.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import type { PeerPool } from './peer-client.ts';
import { createPrewarmer, waitForPrewarm } from './prewarm.ts';

function coordinationWith(ring: () => string[], marked: () => string[]) {
  let cleared = 0;
  const coordination = {
    view: (): RingView => ({ ring: createRing(ring()), epoch: 1, members: new Map() }),
    prewarmedBy: async () => marked(),
    clearPrewarm: async () => {
      cleared++;
    },
  } as unknown as Coordination;
  return { coordination, cleared: () => cleared };
}

describe('pre-warm wait (M1, joiner side)', () => {
  it('[M1] returns as soon as every owner marked the joiner, and clears the markers', async () => {
    const clock = createManualClock({ autoAdvance: true });
    const { coordination, cleared } = coordinationWith(
      () => ['n1', 'n2'],
      () => ['n1', 'n2'],
    );
    expect(await waitForPrewarm(coordination, clock, 'n3', ['n1', 'n2'], 15_000)).toEqual([]);
    expect(clock.now()).toBe(0);
    expect(cleared()).toBe(1);
  });

  it('[M1] an owner that leaves the ring while the joiner waits is no longer waited for', async () => {
    // Before: a crashed owner held every join for the whole 15 s timeout.
    const clock = createManualClock({ autoAdvance: true });
    let ring = ['n1', 'n2'];
    const { coordination } = coordinationWith(
      () => ring,
      () => ['n2'],
    );
    clock.after(300, () => {
      ring = ['n2'];
    });
    expect(await waitForPrewarm(coordination, clock, 'n3', ['n1', 'n2'], 15_000)).toEqual([]);
    expect(clock.now()).toBeLessThan(1000);
  });

  it('[M1] an owner that stays and never marks is reported late after the timeout', async () => {
    const clock = createManualClock({ autoAdvance: true });
    const { coordination } = coordinationWith(
      () => ['n1', 'n2'],
      () => ['n2'],
    );
    expect(await waitForPrewarm(coordination, clock, 'n3', ['n1', 'n2'], 2_000)).toEqual(['n1']);
  });
});

describe('pre-warm markers (M1, owner side)', () => {
  it('[M1] a marker written after the joiner stopped waiting is removed once it is no longer joining', async () => {
    // Seen with 10,000 documents: the joiner's wait timed out and it cleared its folder while
    // owners were still pushing; their markers, written afterwards, stayed in etcd for good.
    const puts: string[] = [];
    const clears: string[] = [];
    const coordination = {
      markPrewarmed: async (joiner: string, owner: string) => {
        puts.push(`${joiner}/${owner}`);
      },
      clearPrewarm: async (joiner: string) => {
        clears.push(joiner);
      },
      view: () => undefined,
    } as unknown as Coordination;
    const onView = createPrewarmer({
      selfId: 'n1',
      vnodes: 16,
      registry: { loadedRooms: () => [] } as unknown as DocumentRegistry,
      store: { list: async () => [] } as unknown as DocStore,
      pool: {} as PeerPool,
      coordination,
      log: createSilentLogger(),
    });
    const member = (state: string) => ({ id: 'n3', state, internalUrl: 'ws://n3' });
    const view = (state: string): RingView =>
      ({
        ring: createRing(['n1', 'n2']),
        epoch: 1,
        members: new Map([['n3', member(state)]]),
      }) as unknown as RingView;
    onView(view('joining'));
    await vi.waitFor(() => expect(puts).toEqual(['n3/n1']));
    expect(clears).toEqual([]);
    onView(view('active'));
    expect(clears).toEqual(['n3']);
    onView(view('active'));
    expect(clears).toEqual(['n3']);
  });
});

describe('pre-warm markers written late (M1, owner side)', () => {
  it('[M1] an owner whose pushes end after the joiner turned active removes its marker at once', async () => {
    const clears: string[] = [];
    const member = (state: string) => ({ id: 'n3', state, internalUrl: 'ws://n3' });
    const view = (state: string): RingView =>
      ({
        ring: createRing(['n1', 'n2']),
        epoch: 1,
        members: new Map([['n3', member(state)]]),
      }) as unknown as RingView;
    let current = view('joining');
    let listed: () => void = () => {};
    const coordination = {
      markPrewarmed: async () => {},
      clearPrewarm: async (joiner: string) => {
        clears.push(joiner);
      },
      view: () => current,
    } as unknown as Coordination;
    const onView = createPrewarmer({
      selfId: 'n1',
      vnodes: 16,
      registry: { loadedRooms: () => [] } as unknown as DocumentRegistry,
      store: {
        // the pushes are slow: the joiner gives up waiting and turns active meanwhile
        list: () =>
          new Promise<string[]>((resolve) => {
            listed = () => resolve([]);
          }),
      } as unknown as DocStore,
      pool: {} as PeerPool,
      coordination,
      log: createSilentLogger(),
    });
    onView(current);
    current = view('active');
    onView(current);
    listed();
    await vi.waitFor(() => expect(clears).toEqual(['n3']));
  });
});
