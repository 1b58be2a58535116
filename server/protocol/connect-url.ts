import { parseDocId } from './doc-id.ts';
import { ProtocolError } from './errors.ts';

/** What a client says in its connection URL (P6, DESIGN C1). Absent parameters are absent. */
export interface ConnectParams {
  readonly docId: string;
  /** First segment of the doc id (R3). */
  readonly routingKey: string;
  /** Client build, 1–64 of `[A-Za-z0-9._+-]`. */
  readonly build?: string;
  /** Protocol version; present means "ringdoc client" (P8). */
  readonly proto?: number;
  /** Last ring epoch the client saw (C3). */
  readonly epoch?: number;
  /** Generation of the document the client holds (M7), 1–64 of `[A-Za-z0-9._-]`. */
  readonly generation?: string;
  /**
   * `follow=0`: a ringdoc client that asks to be forwarded instead of redirected (C10, F1),
   * e.g. one that can reach only the node it connected to. Absent: ringdoc clients follow.
   */
  readonly followsRedirects?: boolean;
  /**
   * `suspect=<nodeId>[,<nodeId>…]`: the client just lost the node that served it (socket died,
   * owner unreachable) and asks to be served provisionally by the next holder (P30, DESIGN M8).
   * Up to {@link MAX_SUSPECTS} ids, comma-separated, oldest first: a client that also lost the
   * node serving it provisionally names both (P34). Read it with {@link suspectsOf}.
   */
  readonly suspect?: string;
  /**
   * `moves=1`: a ringdoc client that moves before it is closed (P11a): told of a new owner
   * with a REDIRECT carrying `graceMs`, it opens the owner and leaves this node itself once
   * the owner said HELLO, while this node keeps serving it. Absent: REDIRECT then close 4300.
   */
  readonly movesBeforeClose?: boolean;
}

/** Path prefix of document sockets. */
export const DOC_PATH_PREFIX = '/doc/';

/** Longest accepted path and query, in characters (room for auth tokens later). */
export const MAX_CONNECT_URL_LENGTH = 8192;

const BUILD = /^[A-Za-z0-9._+-]{1,64}$/;
const GENERATION = /^[A-Za-z0-9._-]{1,64}$/;
const UINT = /^[0-9]{1,16}$/;

/**
 * Parses `/doc/<docId>?build=&proto=&epoch=&gen=` (P6). Every parameter is optional; unknown
 * parameters are ignored; a known one may appear once. Values are percent-decoded (`+` stays
 * `+`); the path is not. Numbers must be safe non-negative decimal integers. Throws
 * `ProtocolError` (4400) naming the problem.
 */
export function parseConnectUrl(pathAndQuery: string): ConnectParams {
  if (pathAndQuery.length > MAX_CONNECT_URL_LENGTH) {
    throw bad(`longer than ${MAX_CONNECT_URL_LENGTH} characters`);
  }
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  if (!path.startsWith(DOC_PATH_PREFIX)) throw bad('path must be /doc/<docId>');
  const { docId, routingKey } = parseDocId(path.slice(DOC_PATH_PREFIX.length));
  const params: {
    docId: string;
    routingKey: string;
    build?: string;
    proto?: number;
    epoch?: number;
    generation?: string;
    followsRedirects?: boolean;
    suspect?: string;
    movesBeforeClose?: boolean;
  } = { docId, routingKey };
  if (q === -1) return params;
  const seen = new Set<string>();
  for (const pair of pathAndQuery.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (!KNOWN.has(key)) continue;
    if (seen.has(key)) throw bad(`parameter ${key} appears more than once`);
    seen.add(key);
    const value = decodeValue(key, eq === -1 ? '' : pair.slice(eq + 1));
    switch (key) {
      case 'build':
        params.build = match(key, value, BUILD, '1-64 of A-Z a-z 0-9 . _ + -');
        break;
      case 'gen':
        params.generation = match(key, value, GENERATION, '1-64 of A-Z a-z 0-9 . _ -');
        break;
      case 'proto':
        params.proto = uint(key, value);
        break;
      case 'epoch':
        params.epoch = uint(key, value);
        break;
      case 'follow':
        if (value !== '0' && value !== '1') throw bad('parameter follow must be 0 or 1');
        params.followsRedirects = value === '1';
        break;
      case 'moves':
        if (value !== '0' && value !== '1') throw bad('parameter moves must be 0 or 1');
        params.movesBeforeClose = value === '1';
        break;
      case 'suspect':
        params.suspect = match(
          key,
          value,
          SUSPECTS,
          `1-${MAX_SUSPECTS} node ids (1-64 of A-Z a-z 0-9 . _ -) separated by commas`,
        );
        break;
    }
  }
  return params;
}

/**
 * Builds the path and query `parseConnectUrl` reads back to the same params (`routingKey`
 * is derived). Throws `ProtocolError` for a value it would reject.
 */
export function formatConnectPath(params: Omit<ConnectParams, 'routingKey'>): string {
  parseDocId(params.docId);
  const query: string[] = [];
  if (params.build !== undefined) query.push(`build=${encodeURIComponent(params.build)}`);
  if (params.proto !== undefined) query.push(`proto=${params.proto}`);
  if (params.epoch !== undefined) query.push(`epoch=${params.epoch}`);
  if (params.generation !== undefined) query.push(`gen=${encodeURIComponent(params.generation)}`);
  if (params.followsRedirects !== undefined)
    query.push(`follow=${params.followsRedirects ? 1 : 0}`);
  if (params.suspect !== undefined) query.push(`suspect=${encodeURIComponent(params.suspect)}`);
  if (params.movesBeforeClose !== undefined) query.push(`moves=${params.movesBeforeClose ? 1 : 0}`);
  const path = `${DOC_PATH_PREFIX}${params.docId}${query.length ? `?${query.join('&')}` : ''}`;
  parseConnectUrl(path);
  return path;
}

/** At most this many suspects on one attempt (P34). */
export const MAX_SUSPECTS = 3;

const SUSPECTS = /^[A-Za-z0-9._-]{1,64}(?:,[A-Za-z0-9._-]{1,64}){0,2}$/;

/** The suspects a `suspect=` value names (P30, P34), oldest first; none when absent. */
export function suspectsOf(suspect: string | undefined): readonly string[] {
  return suspect === undefined ? [] : suspect.split(',');
}

const KNOWN = new Set(['build', 'proto', 'epoch', 'gen', 'follow', 'suspect', 'moves']);

function bad(detail: string): ProtocolError {
  return new ProtocolError(`bad connection url: ${detail}`);
}

function decodeValue(key: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw bad(`parameter ${key} is not valid percent-encoding`);
  }
}

function match(key: string, value: string, pattern: RegExp, rule: string): string {
  if (!pattern.test(value)) throw bad(`parameter ${key} must be ${rule}`);
  return value;
}

function uint(key: string, value: string): number {
  const n = Number(value);
  if (!UINT.test(value) || !Number.isSafeInteger(n)) {
    throw bad(`parameter ${key} must be a non-negative integer below 2^53`);
  }
  return n;
}
