import { isValidMemberId } from './keys.ts';
import type { MemberRecord, MemberState } from './member-record.ts';

const STATES: readonly MemberState[] = ['joining', 'active', 'draining'];
const URL_SCHEMES = new Set(['ws:', 'wss:', 'http:', 'https:']);
const MAX_PROTOCOL = 65_535;
const MAX_BUILD_LENGTH = 128;
const MAX_RECORD_BYTES = 16 * 1024;

/** Why a member record was refused; `key` is the etcd key it was read from. */
export class MemberRecordError extends Error {
  override readonly name = 'MemberRecordError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid member record at ${key}: ${reason}`);
  }
}

/** True when `state` is one of `joining | active | draining`. */
export function isMemberState(state: unknown): state is MemberState {
  return typeof state === 'string' && (STATES as readonly string[]).includes(state);
}

/**
 * Strictly parses the JSON value stored at `<prefix>members/<id>` (`key` is the full etcd key).
 * Returns a frozen {@link MemberRecord}, or a {@link MemberRecordError} (never throws) when the value
 * is not JSON, too large, its `id` does not match the key, a URL is not absolute ws/wss/http/https,
 * `state` is unknown, the protocol range is not `0 ≤ min ≤ max ≤ 65535` integers, or a field has
 * the wrong type. Unknown extra fields are ignored (forward compatibility).
 */
export function parseMemberRecord(key: string, value: Uint8Array | string): MemberRecord | Error {
  const fail = (reason: string) => new MemberRecordError(key, reason);
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  if (text.length > MAX_RECORD_BYTES) return fail(`record larger than ${MAX_RECORD_BYTES} bytes`);
  const keyId = key.slice(key.lastIndexOf('/') + 1);
  if (!isValidMemberId(keyId)) return fail(`key does not end with a valid member id`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return fail('not a JSON object');
  const r = raw as Record<string, unknown>;
  if (r.id !== keyId) return fail(`id ${JSON.stringify(r.id)} does not match key id ${keyId}`);
  for (const field of ['publicUrl', 'internalUrl'] as const) {
    const problem = checkUrl(r[field]);
    if (problem) return fail(`${field} ${problem}`);
  }
  if (typeof r.build !== 'string' || r.build.length === 0 || r.build.length > MAX_BUILD_LENGTH) {
    return fail(`build must be a string of 1-${MAX_BUILD_LENGTH} characters`);
  }
  const protocol = r.protocol as Record<string, unknown> | null | undefined;
  if (typeof protocol !== 'object' || protocol === null) return fail('protocol must be {min, max}');
  const { min, max } = protocol;
  if (!isProtocolVersion(min) || !isProtocolVersion(max) || min > max) {
    return fail(`protocol range must be integers 0 <= min <= max <= ${MAX_PROTOCOL}`);
  }
  if (!isMemberState(r.state))
    return fail(`state ${JSON.stringify(r.state)} is not one of ${STATES.join('|')}`);
  if (typeof r.startedAt !== 'number' || !Number.isFinite(r.startedAt) || r.startedAt < 0) {
    return fail('startedAt must be a non-negative number');
  }
  return Object.freeze({
    id: keyId,
    publicUrl: r.publicUrl as string,
    internalUrl: r.internalUrl as string,
    build: r.build,
    protocol: Object.freeze({ min, max }),
    state: r.state,
    startedAt: r.startedAt,
  });
}

/** Serialises a record for etcd; throws when the record would not pass {@link parseMemberRecord}. */
export function encodeMemberRecord(record: MemberRecord): string {
  const text = JSON.stringify({
    id: record.id,
    publicUrl: record.publicUrl,
    internalUrl: record.internalUrl,
    build: record.build,
    protocol: { min: record.protocol.min, max: record.protocol.max },
    state: record.state,
    startedAt: record.startedAt,
  });
  const check = parseMemberRecord(`members/${record.id}`, text);
  if (check instanceof Error) throw check;
  return text;
}

/** True when two records carry the same fields. */
export function sameMemberRecord(a: MemberRecord, b: MemberRecord): boolean {
  return (
    a.id === b.id &&
    a.publicUrl === b.publicUrl &&
    a.internalUrl === b.internalUrl &&
    a.build === b.build &&
    a.protocol.min === b.protocol.min &&
    a.protocol.max === b.protocol.max &&
    a.state === b.state &&
    a.startedAt === b.startedAt
  );
}

function isProtocolVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_PROTOCOL;
}

function checkUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048)
    return 'must be a URL string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${JSON.stringify(value)} is not an absolute URL`;
  }
  if (!URL_SCHEMES.has(url.protocol)) return `scheme ${url.protocol} is not ws/wss/http/https`;
  if (url.hostname.length === 0) return 'has no host';
  return null;
}
