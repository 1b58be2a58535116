import os from 'node:os';
import path from 'node:path';
import { setConfig } from '../../ring/etcd/config-watcher.ts';
import { createWebRolloutStore, type WebRolloutStore } from '../rollout/store.ts';
import { DEFAULT_WEB_THRESHOLDS, type WebHealthThresholds } from '../rollout/web-health.ts';
import { createLocalWebDriver } from '../rollout/web-local-driver.ts';
import {
  applyWebInput,
  isWebTerminal,
  parseShares,
  planWebRollout,
  type WebRollout,
} from '../rollout/web-machine.ts';
import { driveWebRollout } from '../rollout/web-runner.ts';
import type { GatewayRouting } from '../web-gateway/routing.ts';
import { createRoutingStore, type RoutingStore } from '../web-gateway/routing-store.ts';
import { flag, numberOption, option, type ParsedArgs } from './args.ts';
import { readMembers } from './cluster-reader.ts';
import { type CommandContext, writeJson } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import type { EtcdSession } from './etcd-session.ts';
import { readLocalSecrets } from './local/secrets.ts';
import { driveUnderLock } from './rollout-drive.ts';

/** `--thresholds a=1,b=2` over the web defaults; unknown names and non-numbers are usage errors. Pure. */
export function parseWebThresholds(raw: string): Partial<WebHealthThresholds> {
  const out: Record<string, number> = {};
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!name || !(name in DEFAULT_WEB_THRESHOLDS)) {
      throw new UsageError(
        `unknown web threshold ${JSON.stringify(name)} (known: ${Object.keys(DEFAULT_WEB_THRESHOLDS).join(', ')})`,
      );
    }
    const n = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new UsageError(`threshold ${name} needs a number >= 0`);
    }
    out[name] = n;
  }
  return out as Partial<WebHealthThresholds>;
}

/** The human summary of a web rollout and of what the gateway serves. Pure. */
export function renderWebRollout(r: WebRollout | null, routing: GatewayRouting | null): string {
  const lines: string[] = [];
  if (routing) {
    lines.push(
      `web builds served: ${routing.stable.build} (stable, ${routing.stable.url})${
        routing.canary
          ? `, ${routing.canary.build} (${routing.canary.share} % of new browsers, ${routing.canary.url})`
          : ''
      }`,
    );
  } else lines.push('web builds served: no web gateway routing in etcd');
  if (!r) return `${lines.join('\n')}\nno web rollout\n`;
  lines.push(
    `web rollout ${r.id}: ${r.phase}${r.paused ? ' (paused)' : ''} — ${r.from.build} → ${r.to}${
      r.protocolChange ? ' (protocol change)' : ''
    }`,
    `  step ${r.step + 1}/${r.shares.length} (${r.shares.join(' → ')} %), share now ${r.share} %, observe ${r.observeMs / 1000} s per step`,
  );
  if (r.health) lines.push(`  health: ${r.health}`);
  if (r.reason) lines.push(`  reason: ${r.reason}`);
  lines.push('  history:');
  for (const e of r.events.slice(-12)) {
    lines.push(`    ${new Date(e.at).toISOString().slice(11, 19)}  ${e.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `ringdoc rollout web --to <build> …` and `ringdoc rollout status|pause|resume|abort web`
 * (README, Rollouts → web builds). State in `<prefix>rollouts/web`, the gateway's routing in
 * `<prefix>web-gateway`.
 */
export async function runWebRollout(
  verb: string,
  args: ParsedArgs,
  context: CommandContext,
  session: EtcdSession,
  pollMs: number,
): Promise<number> {
  const store = createWebRolloutStore(session.client, session.target.prefix);
  const routing = createRoutingStore(session.client, session.target.prefix);
  const { io } = context;
  if (verb === 'status') {
    const [r, g] = await Promise.all([store.read(), routing.read()]);
    if (context.json) writeJson(io, { rollout: r, routing: g });
    else io.out(renderWebRollout(r, g));
    return 0;
  }
  if (verb === 'web') return start(args, store, routing, session, context, pollMs);
  const input = { type: verb as 'pause' | 'resume' | 'abort' };
  const next = await store.modify((r) => applyWebInput(r, input, Date.now()));
  if (!next)
    throw new CliError(
      'no web rollout in etcd (start one with `ringdoc rollout web --to <build>`)',
    );
  if (context.json) writeJson(io, { event: verb, rollout: next });
  else
    io.out(`${verb}: web rollout ${next.id} is ${next.phase}${next.paused ? ' (paused)' : ''}\n`);
  if (verb === 'pause' || isWebTerminal(next)) return 0;
  return drive(
    store,
    routing,
    session,
    context,
    false,
    pollMs,
    verb === 'abort' ? 'rolled-back' : 'succeeded',
  );
}

async function start(
  args: ParsedArgs,
  store: WebRolloutStore,
  routing: RoutingStore,
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
  const shares = parseShares(option(args, 'share', '10,50,100'));
  if (shares instanceof Error) throw new UsageError(shares.message);
  const served = await routing.read();
  if (!served) {
    throw new CliError(
      'no web gateway routing in etcd (`web-gateway`): start the cluster with `npm start` (it runs the gateway), or see deploy/kubernetes/ROLLOUT.md',
    );
  }
  const now = Date.now();
  const plan = planWebRollout({
    id: `w${now.toString(36)}`,
    from: served.stable,
    to: build,
    shares,
    observeMs: (numberOption(args, 'observe', 30, 0) as number) * 1000,
    protocolChange: flag(args, 'protocol-change'),
    thresholds: parseWebThresholds(option(args, 'thresholds', '')),
    now,
  });
  if (plan instanceof Error) throw new CliError(plan.message);
  const created = await store.create(plan);
  if (!created.created) {
    const current = created.current;
    if (current.to !== build) {
      throw new CliError(
        `web rollout ${current.id} to build ${current.to} is under way (${current.phase}): \`ringdoc rollout abort web\` it first, or \`ringdoc rollout resume web\` it`,
      );
    }
    context.io.err(
      `resuming web rollout ${current.id} to build ${current.to} (${current.phase})\n`,
    );
  }
  return drive(store, routing, session, context, true, pollMs);
}

async function localWebDriver(session: EtcdSession, context: CommandContext) {
  const local = context.local;
  const secrets = local?.secretsDir ? await readLocalSecrets(local.secretsDir) : null;
  return createLocalWebDriver({
    etcd: session.target.endpoints.join(','),
    prefix: session.target.prefix,
    logDir:
      local?.logDir ?? context.io.env.RINGDOC_WEB_LOG_DIR ?? path.join(os.tmpdir(), 'ringdoc-web'),
    secrets,
    ownerPid: local?.launcherPid ?? null,
    env: context.io.env,
  });
}

/** Takes the driver lock (waiting out a killed driver's lease) and drives the web rollout to its end. */
function drive(
  store: WebRolloutStore,
  routing: RoutingStore,
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
    command: '`ringdoc rollout web`',
    noun: 'the web rollout',
    isTerminal: isWebTerminal,
    drive: async (say) =>
      driveWebRollout({
        store,
        routing,
        driver: await localWebDriver(session, context),
        setMinClientBuild: async (build) => {
          await setConfig(session.client, session.target.prefix, 'min-client-build', build);
        },
        members: async () => (await readMembers(session)).members,
        metrics: async (m) => {
          const base = m.internalUrl.replace(/^ws(s?):\/\//, 'http$1://').replace(/\/+$/, '');
          const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) });
          return response.status === 200 ? response.text() : null;
        },
        say,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        pollMs,
      }),
  });
}
