import { DEFAULT_THRESHOLDS, type HealthThresholds } from '../rollout/health.ts';
import { createLocalDriver } from '../rollout/local-driver.ts';
import {
  applyInput,
  isTerminal,
  type NodeRollout,
  type NodeVersion,
  planRollout,
  type RolloutInput,
} from '../rollout/machine.ts';
import { probeHealth } from '../rollout/probe.ts';
import { driveRollout } from '../rollout/runner.ts';
import { createRolloutStore, type RolloutStore } from '../rollout/store.ts';
import { DEFAULT_WEB_THRESHOLDS } from '../rollout/web-health.ts';
import { numberOption, option, type ParsedArgs } from './args.ts';
import { readMembers } from './cluster-reader.ts';
import { type CommandContext, withEtcd, writeJson } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import type { EtcdSession } from './etcd-session.ts';
import { driveUnderLock } from './rollout-drive.ts';
import { runWebRollout } from './web-rollout-command.ts';

export const ROLLOUT_USAGE = `ringdoc rollout nodes --to <build> [--args=<extra ringdoc node flags>]
    [--observe 30] [--step 1] [--order n1,n2,n3] [--thresholds name=value[,name=value]]
    [--poll 1]
  | ringdoc rollout web --to <build> [--share 10,50,100] [--observe 30] [--protocol-change]
    [--thresholds name=value[,name=value]] [--poll 1]
  | ringdoc rollout status | pause | resume | abort [nodes|web]   (all with [--json]; default nodes)
Thresholds (README, Rollouts): ${Object.entries(DEFAULT_THRESHOLDS)
  .map(([k, v]) => `${k}=${v}`)
  .join(',')}
Web thresholds: ${Object.entries(DEFAULT_WEB_THRESHOLDS)
  .map(([k, v]) => `${k}=${v}`)
  .join(',')}`;

const VERBS = new Set(['nodes', 'web', 'status', 'pause', 'resume', 'abort']);
const KINDS = new Set(['nodes', 'web']);

/** `--thresholds a=1,b=2` over the defaults; unknown names and non-numbers are usage errors. Pure. */
export function parseThresholds(raw: string): Partial<HealthThresholds> {
  const out: Record<string, number> = {};
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!name || !(name in DEFAULT_THRESHOLDS)) {
      throw new UsageError(
        `unknown threshold ${JSON.stringify(name)} (known: ${Object.keys(DEFAULT_THRESHOLDS).join(', ')})`,
      );
    }
    const n = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new UsageError(`threshold ${name} needs a number >= 0`);
    }
    out[name] = n;
  }
  return out as Partial<HealthThresholds>;
}

/** The human summary of a rollout (`ringdoc rollout status`). Pure. */
export function renderRollout(r: NodeRollout, builds: Readonly<Record<string, string>>): string {
  const lines = [
    `rollout ${r.id}: ${r.phase}${r.paused ? ' (paused)' : ''} — to build ${r.to.build}${
      r.to.args.length ? ` (${r.to.args.join(' ')})` : ''
    }`,
    `  step ${Math.min(r.step + 1, r.steps.length)}/${r.steps.length} (${r.steps.join(' → ')} nodes), observe ${r.observeMs / 1000} s per step`,
    `  upgraded: ${r.upgraded.join(', ') || 'none'}${r.restarting ? `; restarting ${r.restarting}` : ''}`,
    ...r.order.map(
      (id) =>
        `  ${id.padEnd(8)} runs ${builds[id] ?? '(not registered)'} (was ${r.from[id]?.build})`,
    ),
  ];
  if (r.reason) lines.push(`  reason: ${r.reason}`);
  lines.push('  history:');
  for (const e of r.events.slice(-12)) {
    lines.push(`    ${new Date(e.at).toISOString().slice(11, 19)}  ${e.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `ringdoc rollout …` (README, Rollouts): staged node rollouts whose state lives in etcd
 * (`<prefix>rollouts/nodes`). `nodes --to` starts one (or resumes the one under way to the same
 * build) and drives it to the end: exit 0 when it succeeded, 1 when it rolled back (the reason is
 * printed). `pause`/`resume`/`abort` change the stored state; `resume` and `abort` also drive the
 * rollout when no other CLI does (a killed one's lock expires within 5 s). Driving needs the
 * local cluster (`npm start`); Kubernetes uses a StatefulSet partition (deploy/kubernetes).
 */
export async function runRollout(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [verb, ...extra] = args.positionals;
  if (!verb || !VERBS.has(verb)) {
    throw new UsageError(
      `expected one of ${[...VERBS].join(', ')}${verb ? `, not ${JSON.stringify(verb)}` : ''}`,
    );
  }
  const kind = verb === 'nodes' || verb === 'web' ? verb : (extra[0] ?? 'nodes');
  const rest = verb === 'nodes' || verb === 'web' ? extra : extra.slice(1);
  if (!KINDS.has(kind)) throw new UsageError(`expected nodes or web, not ${JSON.stringify(kind)}`);
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const { io } = context;
  const pollMs = (numberOption(args, 'poll', 1, 0.05) as number) * 1000;
  return withEtcd(context, async (session) => {
    if (kind === 'web') return runWebRollout(verb, args, context, session, pollMs);
    const store = createRolloutStore(session.client, session.target.prefix);
    if (verb === 'status') return status(store, session, context);
    if (verb === 'nodes') return start(args, store, session, context, pollMs);
    const input: RolloutInput = { type: verb as 'pause' | 'resume' | 'abort' };
    const next = await store.modify((r) => applyInput(r, input, Date.now()));
    if (!next)
      throw new CliError(
        'no rollout in etcd (start one with `ringdoc rollout nodes --to <build>`)',
      );
    if (context.json) writeJson(io, { event: verb, rollout: next });
    else io.out(`${verb}: rollout ${next.id} is ${next.phase}${next.paused ? ' (paused)' : ''}\n`);
    if (verb === 'pause' || isTerminal(next)) return 0;
    // An abort succeeds when the rollout ends rolled back; a resume when it ends succeeded.
    return drive(
      store,
      session,
      context,
      false,
      pollMs,
      verb === 'abort' ? 'rolled-back' : 'succeeded',
    );
  });
}

async function buildsOf(session: EtcdSession): Promise<Record<string, string>> {
  const list = await readMembers(session);
  return Object.fromEntries(list.members.map((m) => [m.id, `${m.build} (${m.state})`]));
}

async function status(store: RolloutStore, session: EtcdSession, context: CommandContext) {
  const r = await store.read();
  if (context.json) {
    writeJson(context.io, { rollout: r, builds: await buildsOf(session) });
    return 0;
  }
  context.io.out(r ? renderRollout(r, await buildsOf(session)) : 'no rollout\n');
  return 0;
}

async function start(
  args: ParsedArgs,
  store: RolloutStore,
  session: EtcdSession,
  context: CommandContext,
  pollMs: number,
): Promise<number> {
  const build = option(args, 'to');
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(build)) {
    throw new UsageError(
      `--to ${JSON.stringify(build)} is not a build id ([A-Za-z0-9._+-], 64 chars)`,
    );
  }
  const extraArgs = option(args, 'args', '').split(/\s+/).filter(Boolean);
  const to: NodeVersion = { build, args: extraArgs };
  const driver = localDriver(session, context);
  const order = args.options.has('order') ? option(args, 'order').split(',') : undefined;
  const now = Date.now();
  const plan = planRollout({
    id: `r${now.toString(36)}`,
    to,
    current: await driver.current(),
    ...(order ? { order } : {}),
    stepSize: numberOption(args, 'step', 1, 1) as number,
    observeMs: (numberOption(args, 'observe', 30, 0) as number) * 1000,
    thresholds: parseThresholds(option(args, 'thresholds', '')),
    now,
  });
  if (plan instanceof Error) throw new CliError(plan.message);
  const created = await store.create(plan);
  if (!created.created) {
    const current = created.current;
    if (current.to.build !== to.build || current.to.args.join(' ') !== to.args.join(' ')) {
      throw new CliError(
        `rollout ${current.id} to build ${current.to.build} is under way (${current.phase}): \`ringdoc rollout abort\` it first, or \`ringdoc rollout resume\` it`,
      );
    }
    context.io.err(
      `resuming rollout ${current.id} to build ${current.to.build} (${current.phase})\n`,
    );
  }
  return drive(store, session, context, true, pollMs);
}

function localDriver(session: EtcdSession, context: CommandContext) {
  if (!context.local) {
    throw new CliError(
      `no local cluster is running (state file ${context.stateFile}): rollouts are driven here for \`npm start\`; on Kubernetes move the StatefulSet partition (deploy/kubernetes/ROLLOUT.md)`,
    );
  }
  return createLocalDriver({
    client: session.client,
    endpoints: session.target.endpoints,
    prefix: session.target.prefix,
    stateFile: context.stateFile,
  });
}

/** Takes the driver lock (waiting out a killed driver's lease) and drives the rollout to its end. */
function drive(
  store: RolloutStore,
  session: EtcdSession,
  context: CommandContext,
  mustDrive: boolean,
  pollMs: number,
  wanted: 'succeeded' | 'rolled-back' = 'succeeded',
): Promise<number> {
  return driveUnderLock({
    store,
    context,
    mustDrive,
    wanted,
    command: '`ringdoc rollout`',
    noun: 'the rollout',
    isTerminal,
    drive: (say) =>
      driveRollout({
        store,
        driver: localDriver(session, context),
        members: async () => (await readMembers(session)).members,
        probe: (m) => probeHealth(m),
        say,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        pollMs,
      }),
  });
}
