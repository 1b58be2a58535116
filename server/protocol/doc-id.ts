import { ProtocolError } from './errors.ts';

/** Limits on document ids (P7). */
export const DOC_ID_LIMITS = Object.freeze({
  /** Whole id, separators included. */
  maxLength: 256,
  maxSegmentLength: 128,
});

/** A validated document id. */
export interface DocId {
  readonly docId: string;
  /** First segment: what the ring hashes, so sub-rooms route with their parent (R3). */
  readonly routingKey: string;
  readonly segments: readonly string[];
}

const SEGMENT_CHAR = /^[A-Za-z0-9_.-]$/;

/**
 * Validates `raw` as a document id (P7): one or more `/`-separated segments of
 * `[A-Za-z0-9_.-]`, each 1–128 characters and neither `.` nor `..`, at most 256 characters
 * in all. Ids are never percent-decoded. Throws `ProtocolError` (4400) naming the problem.
 */
export function parseDocId(raw: string): DocId {
  const problem = docIdProblem(raw);
  if (problem !== null) throw new ProtocolError(`bad doc id: ${problem}`);
  const segments = raw.split('/');
  return { docId: raw, routingKey: segments[0]!, segments };
}

/** True when `raw` is a valid document id (P7). Never throws. */
export function isValidDocId(raw: string): boolean {
  return docIdProblem(raw) === null;
}

/** Why `raw` is not a valid doc id, or `null` if it is. */
function docIdProblem(raw: string): string | null {
  if (raw.length === 0) return 'empty';
  if (raw.length > DOC_ID_LIMITS.maxLength) {
    return `longer than ${DOC_ID_LIMITS.maxLength} characters`;
  }
  let segmentStart = 0;
  let segment = 1;
  for (let i = 0; i <= raw.length; i++) {
    const ch = raw[i];
    if (ch === undefined || ch === '/') {
      const length = i - segmentStart;
      if (length === 0) return `segment ${segment} is empty`;
      if (length > DOC_ID_LIMITS.maxSegmentLength) {
        return `segment ${segment} is longer than ${DOC_ID_LIMITS.maxSegmentLength} characters`;
      }
      const text = raw.slice(segmentStart, i);
      if (text === '.' || text === '..') return `segment ${segment} is "${text}"`;
      segmentStart = i + 1;
      segment++;
      continue;
    }
    if (!SEGMENT_CHAR.test(ch)) {
      const shown = JSON.stringify(String.fromCodePoint(raw.codePointAt(i)!));
      return `character ${shown} is not allowed (use A-Z a-z 0-9 _ . - and / between segments)`;
    }
  }
  return null;
}
