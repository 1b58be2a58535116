import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import type { NodeDriver } from './driver.ts';
import {
  EMPTY_SAMPLE,
  findBreaches,
  type HealthSample,
  type NodeWindow,
  summarizeMoves,
  summarizeWindows,
} from './health.ts';
import {
  applyInput,
  isTerminal,
  type NodeRollout,
  nextAction,
  type RolloutInput,
} from './machine.ts';
import type { RolloutStore } from './store.ts';

export interface RunnerDeps {
  readonly store: RolloutStore;
  readonly driver: NodeDriver;
  /** The registered members now. */
  members(): Promise<readonly MemberRecord[]>;
  /** One member's health, `null` when it does not answer (`probe.ts`). */
  probe(member: MemberRecord): Promise<HealthSample | null>;
  /** A progress line for the operator. */
  say(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Health poll interval during observation (default 1000 ms). */
  readonly pollMs?: number;
}

/**
 * Drives the rollout stored in etcd until it is finished (`succeeded` or `rolled-back`), one
 * action at a time, writing each step back before and after it (a killed CLI is resumed by the
 * next one from the last step written; a restart it was in the middle of is checked with
 * `driver.runs` and redone only if needed; an observation window it was in starts over).
 * Operator `pause`, `resume` and `abort` written by another CLI are seen between actions and at
 * every health poll. Resolves with the final state; rejects only when etcd fails.
 */
export async function driveRollout(deps: RunnerDeps): Promise<NodeRollout> {
  const pollMs = deps.pollMs ?? 1000;
  const printed = new Set<string>();
  const report = (r: NodeRollout) => {
    for (const e of r.events) {
      const key = `${e.at}|${e.message}`;
      if (printed.has(key)) continue;
      printed.add(key);
      deps.say(e.message);
    }
  };
  const apply = async (input: RolloutInput) => {
    const next = await deps.store.modify((r) => applyInput(r, input, deps.now()));
    if (!next) throw new Error('the rollout record disappeared from etcd');
    report(next);
    return next;
  };
  /** Every member's health just before the current step's first restart (its moves' start). */
  let stepStart: { at: number; samples: Map<string, HealthSample> } | null = null;
  for (;;) {
    const r = await deps.store.read();
    if (!r) throw new Error('no rollout in etcd');
    report(r);
    const action = nextAction(r);
    if (action.kind === 'done') {
      if (isTerminal(r)) return r;
      throw new Error(`rollout ${r.id} is stuck in phase ${r.phase}`);
    }
    if (action.kind === 'wait-paused') {
      await deps.sleep(pollMs);
      continue;
    }
    if (action.kind === 'restart') {
      if (await deps.driver.runs(action.node, action.version).catch(() => false)) {
        await apply({ type: 'restarted', node: action.node, upgrade: action.upgrade });
        continue;
      }
      stepStart ??= { at: deps.now(), samples: await sampleAll(deps) };
      await apply({ type: 'restarting', node: action.node, build: action.version.build });
      const began = deps.now();
      try {
        await deps.driver.restart(action.node, action.version, deps.say);
        await apply({
          type: 'restarted',
          node: action.node,
          upgrade: action.upgrade,
          tookMs: deps.now() - began,
        });
      } catch (error) {
        await apply({ type: 'restart-failed', node: action.node, error: (error as Error).message });
      }
      continue;
    }
    const observing = r.phase === 'observing' ? r : await apply({ type: 'observing' });
    const moves = stepStart;
    stepStart = null;
    const verdict = await observe(deps, observing, pollMs, moves);
    if (verdict === 'interrupted') continue;
    await apply(
      verdict.breaches.length === 0
        ? { type: 'healthy', summary: verdict.summary }
        : { type: 'breach', reasons: verdict.breaches },
    );
  }
}

/**
 * Holds the upgraded nodes for `observeMs`, comparing their health with the others' at every
 * poll. Resolves the breaches (empty: healthy) with each node's figures over the window (kept in
 * the history: the step's health), or `interrupted` when the rollout was paused, aborted or
 * changed meanwhile.
 */
async function observe(
  deps: RunnerDeps,
  r: NodeRollout,
  pollMs: number,
  moves: { at: number; samples: Map<string, HealthSample> } | null,
): Promise<{ breaches: string[]; summary: string } | 'interrupted'> {
  const upgraded = new Set(r.upgraded);
  const windows = new Map<string, { first: HealthSample; last: HealthSample; streak: number }>();
  const interrupted = async () => {
    const latest = await deps.store.read();
    return !latest || latest.paused || latest.phase !== 'observing' || latest.step !== r.step;
  };
  const warm = deps.now() + (r.thresholds.warmupMs ?? 0);
  while (deps.now() < warm) {
    await deps.sleep(Math.min(pollMs, warm - deps.now()));
    if (await interrupted()) return 'interrupted';
  }
  const movesLine = moves
    ? `${summarizeMoves(moves.samples, await sampleAll(deps), (deps.now() - moves.at) / 1000)}; `
    : '';
  const started = deps.now();
  for (;;) {
    const members = await deps.members();
    const seen = new Set<string>();
    await Promise.all(
      members.map(async (m) => {
        seen.add(m.id);
        const sample = await deps.probe(m);
        const w = windows.get(m.id);
        if (!sample) {
          if (w) w.streak++;
          return;
        }
        if (!w) windows.set(m.id, { first: sample, last: sample, streak: sample.ready ? 0 : 1 });
        else {
          w.last = sample;
          w.streak = sample.ready ? 0 : w.streak + 1;
        }
      }),
    );
    for (const id of upgraded) {
      if (seen.has(id)) continue;
      const w = windows.get(id);
      if (w) w.streak++;
      else windows.set(id, { first: EMPTY_SAMPLE, last: EMPTY_SAMPLE, streak: 1 });
    }
    const view = (id: string): NodeWindow => {
      const w = windows.get(id) as { first: HealthSample; last: HealthSample; streak: number };
      return { id, first: w.first, last: w.last, notReadyStreak: w.streak };
    };
    const canaries = [...upgraded].filter((id) => windows.has(id)).map(view);
    const others = [...windows.keys()].filter((id) => !upgraded.has(id)).map(view);
    const breaches = findBreaches(canaries, others, r.thresholds);
    const summary = () => `${movesLine}${summarizeWindows([...canaries, ...others])}`;
    if (breaches.length > 0) return { breaches, summary: summary() };
    if (deps.now() - started >= r.observeMs) return { breaches: [], summary: summary() };
    await deps.sleep(Math.min(pollMs, Math.max(0, r.observeMs - (deps.now() - started))));
    if (await interrupted()) return 'interrupted';
  }
}

/** Every member's health now (members that do not answer are left out). */
async function sampleAll(deps: RunnerDeps): Promise<Map<string, HealthSample>> {
  const out = new Map<string, HealthSample>();
  await Promise.all(
    (await deps.members()).map(async (m) => {
      const sample = await deps.probe(m).catch(() => null);
      if (sample) out.set(m.id, sample);
    }),
  );
  return out;
}
