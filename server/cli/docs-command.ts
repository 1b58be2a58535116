import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import { SECRET_HEADER } from '../cluster/peer-client.ts';
import type { ParsedArgs } from './args.ts';
import { positionals } from './args.ts';
import { fetchFromMember, readMembers } from './cluster-reader.ts';
import { type CommandContext, withEtcd, writeJson } from './context.ts';
import { CliError } from './errors.ts';
import { readLocalSecrets } from './local/secrets.ts';
import { formatTable } from './table.ts';

export const DOCS_USAGE = 'ringdoc docs <nodeId> [--json]';

/** A node's `GET /docs` answer. */
export interface NodeDocuments {
  readonly node: string;
  /** Documents loaded in memory. */
  readonly loaded: readonly string[];
  /** Documents in its durable store (owned or replicated). */
  readonly stored: readonly string[];
}

/** The registered member `id`, or a {@link CliError} that lists the members there are. */
export function findMember(members: readonly MemberRecord[], id: string): MemberRecord {
  const member = members.find((m) => m.id === id);
  if (member) return member;
  const ids = members.map((m) => m.id);
  throw new CliError(
    `no member ${JSON.stringify(id)} is registered (members: ${ids.length > 0 ? ids.join(', ') : 'none'})`,
  );
}

/**
 * The headers that open a node's `/docs` (SECURITY.md): `RINGDOC_OPERATOR_TOKEN` as a bearer
 * token and `RINGDOC_CLUSTER_SECRET`, else the running local cluster's generated credentials.
 */
export async function operatorHeaders(context: CommandContext): Promise<Record<string, string>> {
  const env = context.io.env;
  const local = context.local?.secretsDir
    ? await readLocalSecrets(context.local.secretsDir).catch(() => null)
    : null;
  const token = env.RINGDOC_OPERATOR_TOKEN || local?.operatorToken;
  const secret = env.RINGDOC_CLUSTER_SECRET || local?.clusterSecret;
  return {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(secret ? { [SECRET_HEADER]: secret } : {}),
  };
}

/** Fetches and validates a member's `/docs`. Throws a {@link CliError} when it cannot. */
export async function fetchDocuments(
  member: MemberRecord,
  headers: Readonly<Record<string, string>>,
): Promise<NodeDocuments> {
  let answer: Awaited<ReturnType<typeof fetchFromMember>>;
  try {
    answer = await fetchFromMember(member, '/docs', 5000, headers);
  } catch (error) {
    throw new CliError(`node ${member.id} is ${(error as Error).message}`);
  }
  if (answer.status === 401) {
    throw new CliError(
      `node ${member.id} refused /docs (401): set RINGDOC_OPERATOR_TOKEN or RINGDOC_CLUSTER_SECRET`,
    );
  }
  if (answer.status !== 200) {
    throw new CliError(`node ${member.id} answered /docs with HTTP ${answer.status}`);
  }
  const body = JSON.parse(answer.text) as Partial<NodeDocuments>;
  if (!Array.isArray(body.loaded) || !Array.isArray(body.stored)) {
    throw new CliError(`node ${member.id} answered /docs without loaded/stored lists`);
  }
  return { node: member.id, loaded: body.loaded, stored: body.stored };
}

/** The human form of `ringdoc docs`: a summary line and one row per document. Pure. */
export function renderDocuments(docs: NodeDocuments): string {
  const loaded = new Set(docs.loaded);
  const stored = new Set(docs.stored);
  const all = [...new Set([...docs.stored, ...docs.loaded])].sort();
  const head = `${docs.node}: ${all.length} documents (${loaded.size} loaded, ${stored.size} stored)\n`;
  if (all.length === 0) return head;
  return `${head}${formatTable(
    [{ header: 'DOCUMENT' }, { header: 'LOADED' }, { header: 'STORED' }],
    all.map((d) => [d, loaded.has(d) ? 'yes' : 'no', stored.has(d) ? 'yes' : 'no']),
  )}`;
}

/** `ringdoc docs <nodeId>`: the documents a node holds in memory and on disk. */
export async function runDocs(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [id] = positionals(args, ['nodeId']) as [string];
  const list = await withEtcd(context, (session) => readMembers(session));
  const docs = await fetchDocuments(findMember(list.members, id), await operatorHeaders(context));
  if (context.json) writeJson(context.io, docs);
  else context.io.out(renderDocuments(docs));
  return 0;
}
