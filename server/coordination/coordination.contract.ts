import { describe, expect, it } from 'vitest';
import type { MemberRecord } from '../../ring/index.ts';
import type { Coordination } from './coordination.ts';

/** What the contract suite needs of one implementation. */
export interface CoordinationSubject {
  /** A new coordination of one node process, not started. */
  make(): Coordination;
  /** Ops write `config/<name>` (`ringdoc config set`). */
  putSetting(name: string, value: string): Promise<void>;
  /** Ops request a drain (`ringdoc drain <id>`). */
  requestDrain(id: string): Promise<void>;
  /** Resolves once `probe` holds (simulated time passes as needed); throws naming `what`. */
  until(what: string, probe: () => boolean | Promise<boolean>): Promise<void>;
  /** Stops what the subject started. */
  cleanup(): Promise<void>;
}

const record = (id: string, state: MemberRecord['state'] = 'joining'): MemberRecord => ({
  id,
  publicUrl: `ws://${id}.test`,
  internalUrl: `ws://${id}.test:9`,
  build: 'contract',
  protocol: { min: 1, max: 1 },
  state,
  startedAt: 0,
});

/**
 * The {@link Coordination} contract, run against etcd (`test/integration/coordination.test.ts`)
 * and the simulation (`server/cluster/testing/sim-coordination.test.ts`), so the fuzz proves
 * the node against the behaviour production gets.
 */
export function describeCoordinationContract(
  name: string,
  open: () => Promise<CoordinationSubject>,
): void {
  const withSubject = (fn: (s: CoordinationSubject) => Promise<void>) => async () => {
    const subject = await open();
    try {
      await fn(subject);
    } finally {
      await subject.cleanup();
    }
  };

  describe(`coordination contract: ${name}`, () => {
    it(
      '[R4][R6] a registration shows in every view; active members form the ring; leave removes it',
      withSubject(async (s) => {
        const a = s.make();
        const b = s.make();
        await Promise.all([a.start(), b.start()]);
        const seen: number[] = [];
        b.onView((view, previous) => {
          seen.push(view.epoch);
          if (previous) expect(view.epoch).toBeGreaterThan(previous.epoch);
        });
        const m = await a.register(record('c1'), 5);
        expect(m.isFenced()).toBe(false);
        await s.until('c1 joining in b', () => b.view()?.members.get('c1')?.state === 'joining');
        expect(b.view()?.ring.members).not.toContain('c1');
        await m.setState('active');
        expect(m.record().state).toBe('active');
        await s.until('c1 in the ring', () => b.view()?.ring.members.includes('c1') === true);
        expect(seen.length).toBeGreaterThan(0);
        await m.leave();
        await s.until('c1 gone', () => b.view()?.members.has('c1') === false);
        await Promise.all([a.close(), b.close()]);
      }),
    );

    it(
      '[C3] waitForEpoch: true at once for a seen epoch, false after the timeout for a future one',
      withSubject(async (s) => {
        const a = s.make();
        await a.start();
        const epoch = a.view()?.epoch ?? 0;
        expect(await a.waitForEpoch(epoch, 50)).toBe(true);
        expect(await a.waitForEpoch(epoch + 1_000_000, 50)).toBe(false);
        await a.close();
      }),
    );

    it(
      '[C6] settings are read live and every change is announced',
      withSubject(async (s) => {
        const a = s.make();
        await a.start();
        const changed: string[] = [];
        a.onSetting((n) => changed.push(n));
        await s.putSetting('min-client-build', '7');
        await s.until('setting seen', () => a.setting('min-client-build') === '7');
        await s.until('change announced', () => changed.includes('min-client-build'));
        expect(a.setting('never-set')).toBeUndefined();
        await a.close();
      }),
    );

    it(
      '[M2] a drain request reaches its node, also one made before it watched; it can be cleared',
      withSubject(async (s) => {
        const a = s.make();
        await a.start();
        let calls = 0;
        const stop = await a.onDrainRequest('c2', () => calls++);
        expect(calls).toBe(0);
        await s.requestDrain('c2');
        await s.until('drain request seen', () => calls === 1);
        stop();
        let late = 0;
        const stopLate = await a.onDrainRequest('c2', () => late++);
        expect(late).toBe(1);
        stopLate();
        await a.clearDrainRequest('c2');
        let after = 0;
        const stopAfter = await a.onDrainRequest('c2', () => after++);
        expect(after).toBe(0);
        stopAfter();
        await a.close();
      }),
    );

    it(
      '[M1] pre-warm markers: owners mark a joiner, the joiner reads and clears them',
      withSubject(async (s) => {
        const a = s.make();
        await a.start();
        expect(await a.prewarmedBy('j1')).toEqual([]);
        await a.markPrewarmed('j1', 'o1', 3);
        await a.markPrewarmed('j1', 'o2', 3);
        await a.markPrewarmed('j2', 'o1', 3);
        expect((await a.prewarmedBy('j1')).sort()).toEqual(['o1', 'o2']);
        await a.clearPrewarm('j1');
        expect(await a.prewarmedBy('j1')).toEqual([]);
        expect(await a.prewarmedBy('j2')).toEqual(['o1']);
        await a.close();
      }),
    );
  });
}
