import { malformed } from './errors.ts';

/** HELLO (16): who serves the document, sent first to clients that declared `proto` (P9). */
export interface Hello {
  /** Id of the node serving the document (non-empty). */
  readonly node: string;
  /** The node's ring epoch (R4) when it accepted the client. */
  readonly epoch: number;
  /** The document's generation id (M7, non-empty). */
  readonly generation: string;
  /** The protocol version the node speaks on this connection. */
  readonly protocol: number;
  /**
   * What this connection may do (P21): `view` sessions' content is never applied; absent
   * means `edit` (a node without access control).
   */
  readonly perm?: Permission;
}

/** What an access ticket allows on a document (P21). */
export type Permission = 'edit' | 'view';

/**
 * REDIRECT (18): the document's owner; followed by close 4300 (P11), or, with `graceMs`, by
 * nothing for that long: the node keeps serving the connection while the client opens the
 * owner and leaves (P11a); then close 4300.
 */
export interface Redirect {
  /** Owner node id (non-empty). */
  readonly owner: string;
  /** Owner's public base URL, e.g. `ws://127.0.0.1:4002` (non-empty). */
  readonly url: string;
  /** Epoch of the ring that made the decision. */
  readonly epoch: number;
  /** P11a: how long the node keeps serving this connection before it closes it with 4300. */
  readonly graceMs?: number;
}

/** UPGRADE_REQUIRED (19): the client must reload; followed by close 4426 (P12). */
export interface UpgradeRequired {
  /** Minimum client build; empty when the protocol version, not the build, is the problem. */
  readonly minBuild: string;
  /** Human-readable explanation. */
  readonly message: string;
}

/** NOTICE (20): detail of the close that follows (P13). */
export interface Notice {
  /** The close code about to be sent (1000–4999). */
  readonly code: number;
  /** Full reason (not limited to 123 bytes). */
  readonly reason: string;
  /** Wait at least this long before reconnecting. */
  readonly retryAfterMs?: number;
}

type Fields = Record<string, unknown>;

function parseObject(json: string, what: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw malformed(`${what} payload is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} payload is not a JSON object`);
  }
  return value as Fields;
}

function str(fields: Fields, key: string, what: string, nonEmpty: boolean): string {
  const value = fields[key];
  if (typeof value !== 'string' || (nonEmpty && value === '')) {
    throw malformed(`${what}.${key} must be a ${nonEmpty ? 'non-empty ' : ''}string`);
  }
  return value;
}

function uint(fields: Fields, key: string, what: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw malformed(`${what}.${key} must be a non-negative integer`);
  }
  return value;
}

/** Parses HELLO's JSON payload; unknown fields are ignored (P5). Throws `ProtocolError`. */
export function parseHello(json: string): Hello {
  const f = parseObject(json, 'hello');
  const hello = {
    node: str(f, 'node', 'hello', true),
    epoch: uint(f, 'epoch', 'hello'),
    generation: str(f, 'generation', 'hello', true),
    protocol: uint(f, 'protocol', 'hello'),
  };
  if (f.perm === undefined) return hello;
  if (f.perm !== 'edit' && f.perm !== 'view')
    throw malformed('hello.perm must be "edit" or "view"');
  return { ...hello, perm: f.perm };
}

/** Parses REDIRECT's JSON payload (P5). Throws `ProtocolError`. */
export function parseRedirect(json: string): Redirect {
  const f = parseObject(json, 'redirect');
  const redirect = {
    owner: str(f, 'owner', 'redirect', true),
    url: str(f, 'url', 'redirect', true),
    epoch: uint(f, 'epoch', 'redirect'),
  };
  if (f.graceMs === undefined) return redirect;
  return { ...redirect, graceMs: uint(f, 'graceMs', 'redirect') };
}

/** Parses UPGRADE_REQUIRED's JSON payload (P5). Throws `ProtocolError`. */
export function parseUpgradeRequired(json: string): UpgradeRequired {
  const f = parseObject(json, 'upgrade-required');
  return {
    minBuild: str(f, 'minBuild', 'upgrade-required', false),
    message: str(f, 'message', 'upgrade-required', false),
  };
}

/** Parses NOTICE's JSON payload (P5); `retryAfterMs` may be absent. Throws `ProtocolError`. */
export function parseNotice(json: string): Notice {
  const f = parseObject(json, 'notice');
  const code = uint(f, 'code', 'notice');
  if (code < 1000 || code > 4999) throw malformed('notice.code must be a close code (1000-4999)');
  const reason = str(f, 'reason', 'notice', false);
  if (f.retryAfterMs === undefined) return { code, reason };
  return { code, reason, retryAfterMs: uint(f, 'retryAfterMs', 'notice') };
}

/**
 * JSON text of each message, with fields in a fixed order and unknown fields dropped.
 * Throws `RangeError` for a value its decoder would reject (a server bug, not peer input).
 */
export function helloJson(h: Hello): string {
  const body = { node: h.node, epoch: h.epoch, generation: h.generation, protocol: h.protocol };
  return checked(h.perm === undefined ? body : { ...body, perm: h.perm }, parseHello);
}

export function redirectJson(r: Redirect): string {
  const body = { owner: r.owner, url: r.url, epoch: r.epoch };
  return checked(r.graceMs === undefined ? body : { ...body, graceMs: r.graceMs }, parseRedirect);
}

export function upgradeRequiredJson(u: UpgradeRequired): string {
  return checked({ minBuild: u.minBuild, message: u.message }, parseUpgradeRequired);
}

export function noticeJson(n: Notice): string {
  const body =
    n.retryAfterMs === undefined
      ? { code: n.code, reason: n.reason }
      : { code: n.code, reason: n.reason, retryAfterMs: n.retryAfterMs };
  return checked(body, parseNotice);
}

function checked(body: object, parse: (json: string) => unknown): string {
  const json = JSON.stringify(body);
  try {
    parse(json);
  } catch (error) {
    throw new RangeError(`refusing to encode an invalid message: ${(error as Error).message}`);
  }
  return json;
}
