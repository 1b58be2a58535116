import { CloseCode, type CloseCodeValue } from './close-codes.ts';

/**
 * The one error every protocol parse failure throws (a frame, a doc id, a connection URL).
 * `code` is the close code to use (4400 bad-request for everything this module detects);
 * `reason` is short, names the problem and never echoes more than a few input bytes.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly reason: string,
    readonly code: CloseCodeValue = CloseCode.BAD_REQUEST,
  ) {
    super(reason);
  }
}

/** `ProtocolError` for a frame that breaks the framing rules (P1–P5). */
export function malformed(detail: string): ProtocolError {
  return new ProtocolError(`malformed frame: ${detail}`);
}
