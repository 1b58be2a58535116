/**
 * The one table of WebSocket close codes a node uses (PROTOCOL.md P14) and what a client
 * does on each. Pure; no I/O.
 */
export const CloseCode = {
  /** Nothing wrong; a client that still wants the document reconnects with backoff. */
  NORMAL: 1000,
  /** A frame was over the size limit (P18); the client must not resend the same frame. */
  TOO_BIG: 1009,
  /** Not the owner: reconnect at once to the URL from the REDIRECT message (P11, C2). */
  REDIRECT: 4300,
  /** Malformed frame, bad doc id or URL, unappliable update: stop, do not retry (P4, C5). */
  BAD_REQUEST: 4400,
  /** Not authenticated: stop. */
  UNAUTHORIZED: 4401,
  /** Not allowed (origin, permissions): stop. */
  FORBIDDEN: 4403,
  /** The document was re-created under a new generation (M7): reload, offer local text. */
  GENERATION_MISMATCH: 4409,
  /** The document reached its maximum size; further growth is refused: stop (P22). */
  DOCUMENT_TOO_LARGE: 4413,
  /** Client build or protocol too old (C6): reload once unsynced edits are safe. */
  UPGRADE_REQUIRED: 4426,
  /** The document cannot be loaded now: retry with backoff. */
  LOAD_FAILED: 4500,
  /** Node fenced, overloaded, migrating or shutting down: retry, honouring retryAfterMs. */
  RETRY: 4503,
  /**
   * This client (or its address, or its document) sent more than the limits allow (P22):
   * retry after `retryAfterMs`. Outside 4400–4499 so stock clients retry too.
   */
  RATE_LIMITED: 4529,
} as const;

export type CloseCodeName = keyof typeof CloseCode;
export type CloseCodeValue = (typeof CloseCode)[CloseCodeName];

/** What a client does when its socket closes with a given code (PROTOCOL.md P14). */
export type CloseAction = 'follow-redirect' | 'retry' | 'stop' | 'reload' | 'recover';

export interface CloseCodeInfo {
  readonly code: number;
  /** Kebab-case name, e.g. `bad-request`; `unknown` for codes outside the table. */
  readonly name: string;
  readonly action: CloseAction;
  /** Default close reason text (ASCII, well under the 123-byte limit). */
  readonly reason: string;
}

/** Largest close reason a WebSocket close frame can carry, in UTF-8 bytes (RFC 6455 §5.5). */
export const MAX_CLOSE_REASON_BYTES = 123;

const info = (code: number, name: string, action: CloseAction, reason: string): CloseCodeInfo =>
  Object.freeze({ code, name, action, reason });

const TABLE: ReadonlyMap<number, CloseCodeInfo> = new Map(
  [
    info(CloseCode.NORMAL, 'normal', 'retry', 'closed'),
    info(CloseCode.TOO_BIG, 'too-big', 'stop', 'frame too big'),
    info(CloseCode.REDIRECT, 'redirect', 'follow-redirect', 'document is served by another node'),
    info(CloseCode.BAD_REQUEST, 'bad-request', 'stop', 'bad request'),
    info(CloseCode.UNAUTHORIZED, 'unauthorized', 'stop', 'unauthorized'),
    info(CloseCode.FORBIDDEN, 'forbidden', 'stop', 'forbidden'),
    info(
      CloseCode.GENERATION_MISMATCH,
      'generation-mismatch',
      'recover',
      'document was re-created; reload and recover local text',
    ),
    info(
      CloseCode.DOCUMENT_TOO_LARGE,
      'document-too-large',
      'stop',
      'document reached its maximum size',
    ),
    info(CloseCode.UPGRADE_REQUIRED, 'upgrade-required', 'reload', 'client upgrade required'),
    info(CloseCode.LOAD_FAILED, 'load-failed', 'retry', 'document cannot be loaded now'),
    info(CloseCode.RETRY, 'retry', 'retry', 'node unavailable; retry later'),
    info(CloseCode.RATE_LIMITED, 'rate-limited', 'retry', 'rate limit exceeded; retry later'),
  ].map((entry) => [entry.code, entry]),
);

/**
 * Name, client action and default reason of `code`. Never throws: a code outside the table
 * is `unknown` with action `stop` in 4400–4499 (the HTTP 4xx class, as y-websocket treats it)
 * and `retry` otherwise (1001 going away, 1006 abnormal, 1011 …).
 */
export function closeCodeInfo(code: number): CloseCodeInfo {
  const known = TABLE.get(code);
  if (known) return known;
  const action: CloseAction = code >= 4400 && code <= 4499 ? 'stop' : 'retry';
  return { code, name: 'unknown', action, reason: 'connection closed' };
}

/** True when `code` is in the close-code table. */
export function isKnownCloseCode(code: number): code is CloseCodeValue {
  return TABLE.has(code);
}

/**
 * The close reason to send with `code`: `detail` when given and non-empty, else the code's
 * default reason, clamped to at most 123 UTF-8 bytes without splitting a character (a cut
 * text ends in `…`). Lone surrogates count as U+FFFD, as they will be sent. Never throws.
 */
export function closeReason(code: number, detail?: string): string {
  const text = detail !== undefined && detail !== '' ? detail : closeCodeInfo(code).reason;
  return clampUtf8(text, MAX_CLOSE_REASON_BYTES);
}

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = 3;

/**
 * `text` if its UTF-8 encoding fits in `maxBytes`, else its longest prefix that fits in
 * `maxBytes − 3` followed by `…` (no `…` when `maxBytes` < 3). Cuts only between characters.
 * Never throws.
 */
export function clampUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const encoded = new TextEncoder().encode(text);
  if (encoded.length <= maxBytes) return text;
  const suffix = maxBytes >= ELLIPSIS_BYTES ? ELLIPSIS : '';
  let end = Math.max(0, maxBytes - suffix.length * ELLIPSIS_BYTES);
  // Back up over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(encoded.subarray(0, end)) + suffix;
}
