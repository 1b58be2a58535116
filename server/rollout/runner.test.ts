import { describe, expect, it } from 'vitest';
import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import type { NodeDriver } from './driver.ts';
import { type HealthSample, parseHealth } from './health.ts';
import { type NodeRollout, type NodeVersion, planRollout } from './machine.ts';
import { driveRollout, type RunnerDeps } from './runner.ts';
import type { RolloutStore } from './store.ts';

/** In-memory store (the etcd one is exercised by test/integration/rollout.test.ts). */
function memoryStore(initial: NodeRollout): RolloutStore & { value: NodeRollout } {
  const s = {
    value: initial,
    read: async () => s.value,
    create: async () => ({ created: true as const }),
    modify: async (change: (r: NodeRollout) => NodeRollout) => {
      s.value = change(s.value);
      return s.value;
    },
    lockDriver: async () => true,
    unlockDriver: async () => {},
  };
  return s;
}

const OLD: NodeVersion = { build: '1', args: [] };
const NEW: NodeVersion = { build: '2', args: [] };

/** Nodes whose health follows their version: `bad` builds fail loads while observed. */
function fakeCluster(bad: boolean) {
  const runs: Record<string, NodeVersion> = { n1: OLD, n2: OLD, n3: OLD };
  const loads: Record<string, number> = { n1: 0, n2: 0, n3: 0 };
  const restarts: string[] = [];
  const driver: NodeDriver = {
    current: async () => ({ ...runs }),
    runs: async (node, v) => runs[node]?.build === v.build,
    async restart(node, v) {
      restarts.push(`${node}@${v.build}`);
      runs[node] = v;
    },
  };
  const members = async () =>
    Object.keys(runs).map((id) => ({ id, internalUrl: `ws://${id}` }) as MemberRecord);
  const probe = async (m: MemberRecord): Promise<HealthSample> => {
    if (bad && runs[m.id]?.build === NEW.build) loads[m.id] = (loads[m.id] ?? 0) + 1;
    return { ...parseHealth('', true), startTime: 1, loadFailures: loads[m.id] ?? 0 };
  };
  return { runs, restarts, driver, members, probe };
}

function deps(store: RolloutStore, c: ReturnType<typeof fakeCluster>, onSleep = () => {}) {
  let now = 0;
  const lines: string[] = [];
  const d: RunnerDeps = {
    store,
    driver: c.driver,
    members: c.members,
    probe: c.probe,
    say: (line) => lines.push(line),
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      onSleep();
    },
    pollMs: 100,
  };
  return { d, lines };
}

const plan = () => {
  const r = planRollout({
    id: 'r',
    to: NEW,
    current: { n1: OLD, n2: OLD, n3: OLD },
    observeMs: 300,
    now: 0,
  });
  if (r instanceof Error) throw r;
  return r;
};

describe('driving a node rollout', () => {
  it('a healthy build is rolled out canary first, then one node per step', async () => {
    const c = fakeCluster(false);
    const store = memoryStore(plan());
    const { d, lines } = deps(store, c);
    const final = await driveRollout(d);
    expect(final.phase).toBe('succeeded');
    expect(c.restarts).toEqual(['n1@2', 'n2@2', 'n3@2']);
    expect(lines).toContain('observing n1 for 0.3 s');
    // Each step's health names the pause its moves caused (ack p95 over restarts and warm-up).
    expect(lines.filter((l) => /healthy \(moves over .* ack p95 n1/.test(l))).toHaveLength(2);
  });

  it('a build that fails loads on the canary is rolled back before any other node is touched', async () => {
    const c = fakeCluster(true);
    const store = memoryStore(plan());
    const final = await driveRollout(deps(store, c).d);
    expect(final.phase).toBe('rolled-back');
    expect(final.reason).toMatch(/n1 failed \d+ document loads/);
    expect(c.restarts).toEqual(['n1@2', 'n1@1']);
    expect(c.runs).toEqual({ n1: OLD, n2: OLD, n3: OLD });
  });

  it('resumes from the stored state: a node already on the new build is not restarted again', async () => {
    const c = fakeCluster(false);
    c.runs.n1 = NEW;
    const store = memoryStore({ ...plan(), restarting: 'n1' });
    await driveRollout(deps(store, c).d);
    expect(c.restarts).toEqual(['n2@2', 'n3@2']);
  });

  it('an abort written by another CLI during observation rolls back what was upgraded', async () => {
    const c = fakeCluster(false);
    const store = memoryStore(plan());
    const { d } = deps(store, c, () => {
      if (store.value.phase === 'observing' && store.value.upgraded.length === 1) {
        store.value = {
          ...store.value,
          phase: 'rolling-back',
          reason: 'aborted by operator',
        };
      }
    });
    const final = await driveRollout(d);
    expect(final.phase).toBe('rolled-back');
    expect(final.reason).toBe('aborted by operator');
    expect(c.restarts).toEqual(['n1@2', 'n1@1']);
  });
});
