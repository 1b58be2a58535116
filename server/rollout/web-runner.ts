import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import type { RoutingStore } from '../web-gateway/routing-store.ts';
import type { WebRolloutStore } from './store.ts';
import type { WebDriver } from './web-driver.ts';
import {
  type BuildCounters,
  countersBetween,
  findWebBreaches,
  parseBuildCounters,
  sumCounters,
  summarizeBuilds,
} from './web-health.ts';
import {
  applyWebInput,
  isWebTerminal,
  nextWebAction,
  type WebRollout,
  type WebRolloutInput,
} from './web-machine.ts';

export interface WebRunnerDeps {
  readonly store: WebRolloutStore;
  /** The gateway's routing record (`web-gateway`). */
  readonly routing: RoutingStore;
  readonly driver: WebDriver;
  /** Writes `config/min-client-build` (only after a promotion with `--protocol-change`). */
  setMinClientBuild(build: string): Promise<void>;
  members(): Promise<readonly MemberRecord[]>;
  /** One member's `/metrics` text, `null` when it does not answer. */
  metrics(member: MemberRecord): Promise<string | null>;
  say(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Health poll interval (default 1000 ms). */
  readonly pollMs?: number;
}

/**
 * Drives the web rollout stored in etcd to its end, one action at a time, each written back
 * before the next (a killed CLI is resumed by the next one: a started upstream is reused when it
 * still runs, an observation window starts over, promotion and rollback are idempotent).
 * Operator `pause`, `resume` and `abort` are seen between actions and at every poll.
 */
export async function driveWebRollout(deps: WebRunnerDeps): Promise<WebRollout> {
  const pollMs = deps.pollMs ?? 1000;
  const printed = new Set<string>();
  const report = (r: WebRollout) => {
    for (const e of r.events) {
      const key = `${e.at}|${e.message}`;
      if (printed.has(key)) continue;
      printed.add(key);
      deps.say(e.message);
    }
  };
  const apply = async (input: WebRolloutInput) => {
    const next = await deps.store.modify((r) => applyWebInput(r, input, deps.now()));
    if (!next) throw new Error('the web rollout record disappeared from etcd');
    report(next);
    return next;
  };
  for (;;) {
    const r = await deps.store.read();
    if (!r) throw new Error('no web rollout in etcd');
    report(r);
    const action = nextWebAction(r);
    switch (action.kind) {
      case 'done':
        if (isWebTerminal(r)) return r;
        throw new Error(`web rollout ${r.id} is stuck in phase ${r.phase}`);
      case 'wait-paused':
        await deps.sleep(pollMs);
        break;
      case 'start-upstream': {
        const routing = await deps.routing.read();
        const existing = routing?.canary?.build === r.to ? routing.canary : null;
        try {
          const upstream =
            existing && (await deps.driver.alive(existing).catch(() => false))
              ? { build: existing.build, url: existing.url, pid: existing.pid }
              : await deps.driver.start(r.to, deps.say);
          await deps.routing.modify((g) => ({ ...g, canary: { ...upstream, share: 0 } }));
          await apply({ type: 'upstream-started', upstream });
        } catch (error) {
          await apply({ type: 'upstream-failed', error: (error as Error).message });
        }
        break;
      }
      case 'set-share': {
        const upstream = r.toUpstream;
        if (!upstream) throw new Error(`web rollout ${r.id} has no upstream for build ${r.to}`);
        await deps.routing.modify((g) => ({
          ...g,
          canary: { ...upstream, share: action.share },
        }));
        await apply({ type: 'share-set', share: action.share });
        break;
      }
      case 'observe': {
        const verdict = await observe(deps, r, pollMs);
        if (verdict === 'interrupted') break;
        await apply(
          verdict.breaches.length === 0
            ? { type: 'healthy', summary: verdict.summary }
            : { type: 'breach', reasons: verdict.breaches, summary: verdict.summary },
        );
        break;
      }
      case 'promote': {
        const upstream = r.toUpstream;
        if (!upstream) throw new Error(`web rollout ${r.id} has no upstream for build ${r.to}`);
        await deps.routing.modify((g) =>
          g.stable.build === r.to && g.canary === null
            ? g
            : { version: 1, stable: upstream, canary: null },
        );
        let minClientBuild: string | null = null;
        if (r.protocolChange) {
          await deps.setMinClientBuild(r.to);
          minClientBuild = r.to;
        }
        await deps.driver.stop(r.from, deps.say);
        await apply({ type: 'promoted', minClientBuild });
        break;
      }
      case 'roll-back': {
        await deps.routing.modify((g) =>
          g.canary === null && g.stable.build === r.from.build
            ? g
            : { version: 1, stable: r.from, canary: null },
        );
        const routing = await deps.routing.read();
        const stray = r.toUpstream ?? (routing?.canary?.build === r.to ? routing.canary : null);
        if (stray) await deps.driver.stop(stray, deps.say);
        await apply({ type: 'rolled-back' });
        break;
      }
    }
  }
}

/**
 * Holds the current share for `observeMs`, comparing the new build's per-build counters (summed
 * over all nodes) with the stable build's at every poll. Resolves the breaches (empty: healthy)
 * with both builds' figures, or `interrupted` when the rollout was paused, aborted or changed.
 */
async function observe(
  deps: WebRunnerDeps,
  r: WebRollout,
  pollMs: number,
): Promise<{ breaches: string[]; summary: string } | 'interrupted'> {
  const sample = async () => {
    const members = await deps.members();
    const texts = await Promise.all(members.map((m) => deps.metrics(m).catch(() => null)));
    return sumCounters(texts.filter((t): t is string => t !== null).map(parseBuildCounters));
  };
  const interrupted = async () => {
    const latest = await deps.store.read();
    return (
      !latest ||
      latest.paused ||
      latest.phase !== 'observing' ||
      latest.step !== r.step ||
      latest.share !== r.share
    );
  };
  const first: Map<string, BuildCounters> = await sample();
  const started = deps.now();
  for (;;) {
    const last = await sample();
    const to = { build: r.to, counters: countersBetween(first, last, r.to) };
    const from = { build: r.from.build, counters: countersBetween(first, last, r.from.build) };
    const breaches = findWebBreaches(to, from, r.thresholds);
    const summary = summarizeBuilds([to, from]);
    if (breaches.length > 0) return { breaches, summary };
    if (deps.now() - started >= r.observeMs) return { breaches: [], summary };
    await deps.sleep(Math.min(pollMs, Math.max(0, r.observeMs - (deps.now() - started))));
    if (await interrupted()) return 'interrupted';
  }
}
