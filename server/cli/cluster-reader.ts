import { createKeyspace } from '../../ring/etcd/keys.ts';
import { parseMemberRecord } from '../../ring/etcd/member-codec.ts';
import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import type { EtcdSession } from './etcd-session.ts';
import { httpGet } from './http-get.ts';

/** The registered members at one etcd revision. */
export interface MemberList {
  /** etcd revision of the read (a ring built from it has this epoch, DESIGN R4). */
  readonly revision: number;
  /** Valid records, sorted by id. */
  readonly members: readonly MemberRecord[];
  /** Keys under `members/` whose value was refused, with the reason. */
  readonly invalid: ReadonlyArray<{ key: string; reason: string }>;
}

/** Lists `<prefix>members/` with one linearizable read. */
export async function readMembers(session: EtcdSession): Promise<MemberList> {
  const keys = createKeyspace(session.target.prefix);
  const response = await session.run((client) => client.getAll().prefix(keys.membersPrefix).exec());
  const members: MemberRecord[] = [];
  const invalid: Array<{ key: string; reason: string }> = [];
  for (const kv of response.kvs) {
    const key = kv.key.toString('utf8');
    const record = parseMemberRecord(key, kv.value);
    if (record instanceof Error) invalid.push({ key, reason: record.message });
    else members.push(record);
  }
  members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { revision: Number(response.header.revision), members, invalid };
}

/** Every `<prefix>config/<name>` setting, by name (sorted). */
export async function readAllConfig(session: EtcdSession): Promise<Record<string, string>> {
  const keys = createKeyspace(session.target.prefix);
  const values = await session.run((client) => client.getAll().prefix(keys.configPrefix).strings());
  const out: Record<string, string> = {};
  for (const key of Object.keys(values).sort()) {
    const name = keys.parseConfigKey(key);
    if (name !== null) out[name] = values[key] as string;
  }
  return out;
}

/** `ws://h:p` → `http://h:p`, `wss://` → `https://`, trailing `/` removed. Pure. */
export function httpBaseOf(url: string): string {
  return url.replace(/^ws(s?):\/\//, 'http$1://').replace(/\/+$/, '');
}

/**
 * HTTP bases to reach a member at, in order: its internal URL (reachable from inside the
 * cluster, where ops tools run), then its public URL. Pure.
 */
export function memberHttpBases(member: Pick<MemberRecord, 'internalUrl' | 'publicUrl'>): string[] {
  return [...new Set([httpBaseOf(member.internalUrl), httpBaseOf(member.publicUrl)])];
}

/** One answer of a node's HTTP endpoint. */
export interface NodeAnswer {
  readonly status: number;
  readonly text: string;
  readonly base: string;
}

/**
 * GETs `path` from the member (each of {@link memberHttpBases} in turn, `timeoutMs` each, default
 * 2000) and resolves with the first HTTP answer; rejects with the last connection error when
 * none answers.
 */
export async function fetchFromMember(
  member: Pick<MemberRecord, 'internalUrl' | 'publicUrl'>,
  path: string,
  timeoutMs = 2000,
  headers: Readonly<Record<string, string>> = {},
): Promise<NodeAnswer> {
  let last: unknown = new Error('no URL');
  for (const base of memberHttpBases(member)) {
    try {
      const response = await httpGet(`${base}${path}`, timeoutMs, headers);
      return { ...response, base };
    } catch (error) {
      last = error;
    }
  }
  const cause =
    last instanceof Error
      ? ((last.cause as Error | undefined)?.message ?? last.message)
      : String(last);
  throw new Error(`unreachable (${cause})`);
}

/** What a node says about itself (`/ring`, `/readyz`); fields are `null` when it did not answer. */
export interface NodeProbe {
  readonly reachable: boolean;
  readonly ready: boolean | null;
  /** Why `/readyz` is not 200 (its body), or `null`. */
  readonly notReadyReason: string | null;
  /** The epoch of the node's own ring view. */
  readonly epoch: number | null;
  readonly documents: number | null;
  readonly connections: number | null;
  readonly error: string | null;
}

/** Asks one node for its ring view, stats and readiness (in parallel, bounded by `timeoutMs`). */
export async function probeNode(member: MemberRecord, timeoutMs = 2000): Promise<NodeProbe> {
  const [ring, ready] = await Promise.allSettled([
    fetchFromMember(member, '/ring', timeoutMs),
    fetchFromMember(member, '/readyz', timeoutMs),
  ]);
  if (ring.status === 'rejected' && ready.status === 'rejected') {
    return {
      reachable: false,
      ready: null,
      notReadyReason: null,
      epoch: null,
      documents: null,
      connections: null,
      error: (ring.reason as Error).message,
    };
  }
  let epoch: number | null = null;
  let documents: number | null = null;
  let connections: number | null = null;
  let error: string | null = null;
  if (ring.status === 'fulfilled' && ring.value.status === 200) {
    try {
      const body = JSON.parse(ring.value.text) as {
        epoch?: unknown;
        stats?: { documents?: unknown; connections?: unknown };
      };
      epoch = typeof body.epoch === 'number' ? body.epoch : null;
      documents = typeof body.stats?.documents === 'number' ? body.stats.documents : null;
      connections = typeof body.stats?.connections === 'number' ? body.stats.connections : null;
    } catch {
      error = '/ring answered with invalid JSON';
    }
  } else if (ring.status === 'fulfilled') {
    error = `/ring answered HTTP ${ring.value.status}`;
  }
  const readyAnswer = ready.status === 'fulfilled' ? ready.value : null;
  return {
    reachable: true,
    ready: readyAnswer ? readyAnswer.status === 200 : null,
    notReadyReason:
      readyAnswer && readyAnswer.status !== 200
        ? readyAnswer.text.trim() || `HTTP ${readyAnswer.status}`
        : null,
    epoch,
    documents,
    connections,
    error,
  };
}
