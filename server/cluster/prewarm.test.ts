import { describe, expect, it } from 'vitest';
import { createRing, type RingView } from '../../ring/index.ts';
import type { Coordination } from '../coordination/coordination.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { waitForPrewarm } from './prewarm.ts';

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
