import { createRing } from '../../ring/core/ring.ts';
import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import type { RingView } from '../../ring/etcd/types.ts';
import { ProtocolError, parseDocId } from '../protocol/index.ts';
import { type RouteAnswer, routeOf } from '../routing/owner.ts';
import { numberOption, type ParsedArgs, positionals } from './args.ts';
import { readMembers } from './cluster-reader.ts';
import { type CommandContext, withEtcd, writeJson } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import { formatTable } from './table.ts';

export const OWNER_USAGE = 'ringdoc owner <docId> [--replicas 2] [--json]';

/**
 * The route of `docId` over `members` at `revision`: the same pure ring every node builds from
 * the active members (DESIGN R1, R4), so the answer equals any caught-up node's `/route`. Pure.
 */
export function routeFromMembers(
  members: readonly MemberRecord[],
  revision: number,
  docId: string,
  replicas: number,
): RouteAnswer {
  const view: RingView = {
    ring: createRing(members.filter((m) => m.state === 'active').map((m) => m.id)),
    epoch: revision,
    members: new Map(members.map((m) => [m.id, m])),
  };
  return routeOf(view, docId, replicas);
}

/** The human form of `ringdoc owner`. Pure. */
export function renderOwner(docId: string, route: RouteAnswer): string {
  return formatTable(
    [
      { header: 'DOCUMENT' },
      { header: 'OWNER' },
      { header: 'REPLICAS' },
      { header: 'EPOCH' },
      { header: 'URL' },
    ],
    [
      [
        docId,
        route.owner ?? '-',
        route.replicas.join(' ') || '-',
        String(route.epoch),
        route.url ?? '-',
      ],
    ],
  );
}

/** `ringdoc owner <docId>`: the owner and replicas of a document, computed from etcd's members. */
export async function runOwner(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [docId] = positionals(args, ['docId']) as [string];
  try {
    parseDocId(docId);
  } catch (error) {
    if (error instanceof ProtocolError)
      throw new UsageError(`invalid document id: ${error.reason}`);
    throw error;
  }
  // Copies of each document, owner included (the nodes' --replicas, default 2).
  const copies = numberOption(args, 'replicas', 2, 1) as number;
  const list = await withEtcd(context, (session) => readMembers(session));
  const route = routeFromMembers(list.members, list.revision, docId, copies);
  if (route.owner === null) {
    throw new CliError(
      `no active member owns documents (epoch ${list.revision}): the ring is empty`,
    );
  }
  if (context.json) writeJson(context.io, { docId, ...route });
  else context.io.out(renderOwner(docId, route));
  return 0;
}
