import { createKeyspace, isValidMemberId } from '../../ring/etcd/keys.ts';
import { flag, numberOption, type ParsedArgs, positionals } from './args.ts';
import { readMembers } from './cluster-reader.ts';
import { type CommandContext, withEtcd, writeJson } from './context.ts';
import { fetchDocuments, findMember, operatorHeaders } from './docs-command.ts';
import { CliError, UsageError } from './errors.ts';

export const DRAIN_USAGE =
  'ringdoc drain <nodeId> [--timeout 120] [--json] [--force] | ringdoc drain <nodeId> --cancel';

/** How often progress is polled (etcd member list + the node's `/docs`). */
const POLL_MS = 500;

/** The etcd key a node watches for drain requests (DESIGN M2): `<prefix>control/<id>/drain`. */
export function drainKey(prefix: string, id: string): string {
  if (!isValidMemberId(id)) throw new UsageError(`invalid node id ${JSON.stringify(id)}`);
  return createKeyspace(prefix).drainRequestKey(id);
}

/** One observation while waiting for a drain; `null` counts mean the node did not answer `/docs`. */
export interface DrainProgress {
  readonly state: string;
  readonly loaded: number | null;
  readonly stored: number | null;
}

/** One progress line of the human output. Pure. */
export function renderProgress(id: string, p: DrainProgress, elapsedMs: number): string {
  const docs =
    p.loaded === null || p.stored === null
      ? 'documents unknown (node not answering /docs)'
      : `${p.stored} stored and ${p.loaded} loaded documents left`;
  return `  ${(elapsedMs / 1000).toFixed(1).padStart(6)}s  ${id} ${p.state}: ${docs}\n`;
}

const sameProgress = (a: DrainProgress | null, b: DrainProgress) =>
  a !== null && a.state === b.state && a.loaded === b.loaded && a.stored === b.stored;

/**
 * `ringdoc drain <nodeId>` (DESIGN M2): writes `<prefix>control/<id>/drain` = `{requestedAt}`;
 * the node turns `draining`, hands every document off, revokes its lease and exits 0. The
 * command reports progress (member state, documents left per the node's `/docs`) until the
 * member record is gone, and fails (exit 1) after `--timeout` seconds (default 120); the
 * request then stays in etcd until `--cancel` removes it. Refuses to drain the last active
 * member unless `--force` (its documents would have nowhere to go).
 */
export async function runDrain(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [id] = positionals(args, ['nodeId']) as [string];
  const key = drainKey(context.target.prefix, id);
  const timeoutMs = (numberOption(args, 'timeout', 120, 0.1) as number) * 1000;
  const { io } = context;
  return withEtcd(context, async (session) => {
    if (flag(args, 'cancel')) {
      await session.run((client) => client.delete().key(key).exec());
      if (context.json) writeJson(io, { event: 'cancelled', node: id, key });
      else io.out(`drain request for ${id} removed (a drain already under way continues)\n`);
      return 0;
    }
    const list = await readMembers(session);
    const member = findMember(list.members, id);
    const othersActive = list.members.filter((m) => m.id !== id && m.state === 'active');
    if (othersActive.length === 0 && !flag(args, 'force')) {
      throw new CliError(
        `${id} is the only active member: its documents would have nowhere to go (add a node first, or pass --force)`,
      );
    }
    const requestedAt = Date.now();
    await session.run((client) => client.put(key).value(JSON.stringify({ requestedAt })).exec());
    if (context.json) writeJson(io, { event: 'requested', node: id, key, requestedAt });
    else {
      io.out(
        `drain of ${id} requested (${key}, state ${member.state}); waiting up to ${timeoutMs / 1000} s for it to leave the ring\n`,
      );
    }
    let last: DrainProgress | null = null;
    const headers = await operatorHeaders(context);
    for (;;) {
      const elapsedMs = Date.now() - requestedAt;
      const current = findOrNull(await readMembers(session), id);
      if (!current) {
        if (context.json) writeJson(io, { event: 'drained', node: id, elapsedMs });
        else io.out(`${id} drained: left the ring after ${(elapsedMs / 1000).toFixed(1)} s\n`);
        return 0;
      }
      const docs = await fetchDocuments(current, headers).catch(() => null);
      const progress: DrainProgress = {
        state: current.state,
        loaded: docs ? docs.loaded.length : null,
        stored: docs ? docs.stored.length : null,
      };
      if (!sameProgress(last, progress)) {
        last = progress;
        if (context.json) writeJson(io, { event: 'progress', node: id, elapsedMs, ...progress });
        else io.out(renderProgress(id, progress, elapsedMs));
      }
      if (elapsedMs >= timeoutMs) {
        if (context.json) writeJson(io, { event: 'timeout', node: id, elapsedMs, ...progress });
        throw new CliError(
          `${id} did not finish draining within ${timeoutMs / 1000} s (state ${progress.state}${
            progress.state === 'active' ? ': the node has not picked up the request' : ''
          }); the request stays in etcd until \`ringdoc drain ${id} --cancel\``,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, timeoutMs - elapsedMs)));
    }
  });
}

function findOrNull(list: Awaited<ReturnType<typeof readMembers>>, id: string) {
  return list.members.find((m) => m.id === id) ?? null;
}
