import { describe, expect, it } from 'vitest';
import type { MemberRecord } from '../../ring/index.ts';
import { encodeLinkRecord, type LinkRecord } from '../auth/link-record.ts';
import type { Coordination } from './coordination.ts';

/** What the contract suite needs of one implementation. */
export interface CoordinationSubject {
  /** A new coordination of one node process, not started. */
  make(): Coordination;
  /** Ops write `config/<name>` (`ringdoc config set`). */
  putSetting(name: string, value: string): Promise<void>;
  /** Ops request a drain (`ringdoc drain <id>`). */
  requestDrain(id: string): Promise<void>;
  /** The web app writes a link record, or deletes it (`null`). */
  putLink(record: LinkRecord | null, id: string): Promise<void>;
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

const link = (id: string, revoked: boolean): LinkRecord => ({
  id,
  doc: 'doc-1',
  perm: 'edit',
  created: 1,
  secretHash: 'ab'.repeat(32),
  revoked,
  revokedAt: revoked ? 2 : null,
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

    it(
      '[P21] links turn revoked when their record says so or is deleted, once each, never back',
      withSubject(async (s) => {
        await s.putLink(link('link-before-1', true), 'link-before-1');
        await s.putLink(link('link-live-001', false), 'link-live-001');
        const a = s.make();
        await a.start();
        const revoked: string[] = [];
        const view = await a.watchRevocations((id) => revoked.push(id));
        expect(view.isRevoked('link-before-1')).toBe(true);
        expect(view.isRevoked('link-live-001')).toBe(false);
        await s.putLink(link('link-live-001', true), 'link-live-001');
        await s.until('revocation seen', () => view.isRevoked('link-live-001'));
        await s.putLink(link('link-gone-001', false), 'link-gone-001');
        await s.putLink(null, 'link-gone-001');
        await s.until('deletion seen', () => view.isRevoked('link-gone-001'));
        await s.putLink(link('link-live-001', false), 'link-live-001');
        expect(view.isRevoked('link-live-001')).toBe(true);
        expect(revoked.sort()).toEqual(['link-before-1', 'link-gone-001', 'link-live-001']);
        await view.close();
        await a.close();
      }),
    );

    it(
      '[P21] a link is live only while its record exists and is not revoked; a new record is found at once',
      withSubject(async (s) => {
        await s.putLink(link('link-revoked1', true), 'link-revoked1');
        const a = s.make();
        await a.start();
        const view = await a.watchRevocations(() => {});
        expect(await view.status('link-nothing1')).toEqual({ state: 'absent' });
        expect(await view.status('link-revoked1')).toEqual({ state: 'revoked' });
        expect(await view.status('not a link id')).toEqual({ state: 'absent' });
        // Written a moment ago: the status reads it even before the watch delivers it.
        await s.putLink(link('link-fresh-01', false), 'link-fresh-01');
        expect(await view.status('link-fresh-01')).toMatchObject({ state: 'live', doc: 'doc-1' });
        await s.putLink(null, 'link-fresh-01');
        await s.until('deletion seen', () => view.isRevoked('link-fresh-01'));
        expect(await view.status('link-fresh-01')).toEqual({ state: 'revoked' });
        await view.close();
        await a.close();
      }),
    );
  });
}

/** The JSON a link record is stored as (for subjects that write raw values). */
export const storedLink = encodeLinkRecord;
