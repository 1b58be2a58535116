import { describe, expect, it } from 'vitest';
import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import type { GatewayRouting, WebUpstream } from '../web-gateway/routing.ts';
import type { RoutingStore } from '../web-gateway/routing-store.ts';
import type { WebRolloutStore } from './store.ts';
import type { WebDriver } from './web-driver.ts';
import { planWebRollout, type WebRollout } from './web-machine.ts';
import { driveWebRollout } from './web-runner.ts';

const stable: WebUpstream = { build: '1.0.0', url: 'http://127.0.0.1:3001', pid: 1 };

function world(options: { protocolChange?: boolean; badBuild?: boolean } = {}) {
  const plan = planWebRollout({
    id: 'w1',
    from: stable,
    to: '1.1.0',
    shares: [50, 100],
    observeMs: 3000,
    protocolChange: options.protocolChange ?? false,
    now: 0,
  }) as WebRollout;
  let rollout: WebRollout | null = plan;
  let routing: GatewayRouting = { version: 1, stable, canary: null };
  const running = new Set<number>([1]);
  const started: string[] = [];
  const shares: number[] = [];
  let minClientBuild: string | null = null;
  let clock = 0;
  let sessions = 0;
  const store: WebRolloutStore = {
    read: async () => rollout,
    create: async () => ({ created: true }),
    modify: async (change) => {
      if (!rollout) return null;
      rollout = change(rollout);
      return rollout;
    },
    lockDriver: async () => true,
    unlockDriver: async () => {},
  };
  const routingStore: RoutingStore = {
    key: 'web-gateway',
    read: async () => routing,
    write: async (r) => {
      routing = r;
    },
    modify: async (change) => {
      routing = change(routing);
      if (routing.canary) shares.push(routing.canary.share);
      return routing;
    },
  };
  const driver: WebDriver = {
    start: async (build) => {
      started.push(build);
      running.add(2);
      return { build, url: 'http://127.0.0.1:3002', pid: 2 };
    },
    alive: async (u) => u.pid !== null && running.has(u.pid),
    stop: async (u) => {
      if (u.pid !== null) running.delete(u.pid);
    },
  };
  const metrics = async () => {
    sessions += 1;
    const bad = options.badBuild && routing.canary ? sessions : 0;
    return [
      `ringdoc_client_build_sessions_total{build="1.0.0"} ${sessions}`,
      `ringdoc_client_build_sessions_total{build="1.1.0"} ${sessions}`,
      `ringdoc_client_build_upgrade_required_total{build="1.1.0"} ${bad}`,
      `ringdoc_client_build_protocol_refused_total{build="1.1.0"} ${bad}`,
    ].join('\n');
  };
  return {
    deps: {
      store,
      routing: routingStore,
      driver,
      setMinClientBuild: async (b: string) => {
        minClientBuild = b;
      },
      members: async () => [{ id: 'n1' } as MemberRecord],
      metrics,
      say: () => {},
      now: () => clock,
      sleep: async (ms: number) => {
        clock += ms;
      },
      pollMs: 1000,
    },
    get routing() {
      return routing;
    },
    running,
    started,
    shares,
    get minClientBuild() {
      return minClientBuild;
    },
    setRollout(r: WebRollout) {
      rollout = r;
    },
  };
}

describe('driving a web rollout', () => {
  it('widens a healthy build to 100 %, promotes it and stops the old upstream', async () => {
    const w = world();
    const final = await driveWebRollout(w.deps);
    expect(final.phase).toBe('succeeded');
    expect(w.shares).toEqual([0, 50, 100]);
    expect(w.routing).toEqual({
      version: 1,
      stable: { build: '1.1.0', url: 'http://127.0.0.1:3002', pid: 2 },
      canary: null,
    });
    expect([...w.running]).toEqual([2]);
    expect(w.minClientBuild).toBeNull();
  });

  it('raises min-client-build only after promotion and only with --protocol-change', async () => {
    const w = world({ protocolChange: true });
    const final = await driveWebRollout(w.deps);
    expect(final.phase).toBe('succeeded');
    expect(w.minClientBuild).toBe('1.1.0');
  });

  it('rolls a build whose handshakes are refused back: share 0, its upstream stopped', async () => {
    const w = world({ protocolChange: true, badBuild: true });
    const final = await driveWebRollout(w.deps);
    expect(final.phase).toBe('rolled-back');
    expect(final.reason).toMatch(/^health breach: build 1\.1\.0: \d+ handshakes? refused/);
    expect(w.routing).toEqual({ version: 1, stable, canary: null });
    expect([...w.running]).toEqual([1]);
    expect(w.minClientBuild).toBeNull();
  });

  it('resumes a rollout whose driver died after starting the upstream, reusing it', async () => {
    const w = world();
    // The first driver started build 1.1.0 and registered it, then was killed.
    await w.deps.routing.write({
      version: 1,
      stable,
      canary: { build: '1.1.0', url: 'http://127.0.0.1:3002', pid: 2, share: 0 },
    });
    w.running.add(2);
    const final = await driveWebRollout(w.deps);
    expect(final.phase).toBe('succeeded');
    expect(w.started).toEqual([]);
  });
});
