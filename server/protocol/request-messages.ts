import { malformed } from './errors.ts';

/**
 * REQUEST (22, client → node): an operation on the room the socket is on, answered by one
 * REPLY with the same `id` (P23). Used by version history (`<docId>/versions`, W6).
 */
export interface Request {
  /** Chosen by the client; the REPLY carries it back. */
  readonly id: number;
  /** The operation, e.g. `cut` or `restore` (non-empty). */
  readonly op: string;
  /** The operation's arguments (a JSON object; `{}` when absent). */
  readonly args: Readonly<Record<string, unknown>>;
}

/** REPLY (23, node → client): the outcome of the REQUEST with the same `id` (P23). */
export interface Reply {
  readonly id: number;
  readonly ok: boolean;
  /** Why it failed: a close-code number (4403 forbidden, 4400 bad request, 4503 retry …). */
  readonly code?: number;
  readonly reason?: string;
  /** The operation's result (a JSON object). */
  readonly result?: Readonly<Record<string, unknown>>;
}

type Fields = Record<string, unknown>;

function parseObject(json: string, what: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw malformed(`${what} payload is not valid JSON`);
  }
  if (!isObject(value)) throw malformed(`${what} payload is not a JSON object`);
  return value;
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function id(fields: Fields, what: string): number {
  const value = fields.id;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw malformed(`${what}.id must be a non-negative integer`);
  }
  return value;
}

/** Parses REQUEST's JSON payload; unknown fields are ignored (P5). Throws `ProtocolError`. */
export function parseRequest(json: string): Request {
  const f = parseObject(json, 'request');
  if (typeof f.op !== 'string' || f.op === '')
    throw malformed('request.op must be a non-empty string');
  if (f.args !== undefined && !isObject(f.args)) throw malformed('request.args must be an object');
  return { id: id(f, 'request'), op: f.op, args: f.args ?? {} };
}

/** Parses REPLY's JSON payload (P5). Throws `ProtocolError`. */
export function parseReply(json: string): Reply {
  const f = parseObject(json, 'reply');
  if (typeof f.ok !== 'boolean') throw malformed('reply.ok must be a boolean');
  const reply: { -readonly [K in keyof Reply]: Reply[K] } = { id: id(f, 'reply'), ok: f.ok };
  if (f.code !== undefined) {
    if (typeof f.code !== 'number' || !Number.isInteger(f.code) || f.code < 1000 || f.code > 4999)
      throw malformed('reply.code must be a close code (1000-4999)');
    reply.code = f.code;
  }
  if (f.reason !== undefined) {
    if (typeof f.reason !== 'string') throw malformed('reply.reason must be a string');
    reply.reason = f.reason;
  }
  if (f.result !== undefined) {
    if (!isObject(f.result)) throw malformed('reply.result must be an object');
    reply.result = f.result;
  }
  return reply;
}

/** JSON text of a REQUEST. Throws `RangeError` for a value its decoder would reject. */
export function requestJson(r: Request): string {
  return checked({ id: r.id, op: r.op, args: r.args }, parseRequest);
}

/** JSON text of a REPLY. Throws `RangeError` for a value its decoder would reject. */
export function replyJson(r: Reply): string {
  const body: Fields = { id: r.id, ok: r.ok };
  if (r.code !== undefined) body.code = r.code;
  if (r.reason !== undefined) body.reason = r.reason;
  if (r.result !== undefined) body.result = r.result;
  return checked(body, parseReply);
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
