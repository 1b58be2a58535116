import { createHash } from 'node:crypto';

/** Longest document id a store accepts. */
export const MAX_DOC_ID_LENGTH = 256;

const SEGMENT = /^[A-Za-z0-9_.-]+$/;
/** Encoded names longer than this are shortened with a hash (file names are at most 255 bytes). */
const MAX_PLAIN_NAME = 200;
const HASHED_PREFIX = 150;

/** A document id a store cannot hold: not 1–256 chars of `[A-Za-z0-9_.-]` segments joined by `/`. */
export class InvalidDocIdError extends Error {
  override readonly name = 'InvalidDocIdError';
  constructor(
    readonly docId: string,
    reason: string,
  ) {
    super(`invalid document id ${JSON.stringify(docId)}: ${reason}`);
  }
}

/**
 * Throws `InvalidDocIdError` unless `docId` is 1–256 chars of non-empty `[A-Za-z0-9_.-]`
 * segments joined by `/`, none of them `.` or `..` (they read as paths).
 */
export function assertStorableDocId(docId: string): void {
  if (typeof docId !== 'string' || docId.length === 0) {
    throw new InvalidDocIdError(String(docId), 'empty');
  }
  if (docId.length > MAX_DOC_ID_LENGTH) {
    throw new InvalidDocIdError(docId, `longer than ${MAX_DOC_ID_LENGTH} chars`);
  }
  for (const segment of docId.split('/')) {
    if (!SEGMENT.test(segment)) {
      throw new InvalidDocIdError(docId, 'segments must be non-empty [A-Za-z0-9_.-] joined by "/"');
    }
    if (segment === '.' || segment === '..') {
      throw new InvalidDocIdError(docId, 'segments "." and ".." are not allowed');
    }
  }
}

/**
 * The directory name of a (valid) document id: `/` becomes `%2F`; names that would pass
 * 200 chars keep a 150-char prefix followed by `~` and the id's SHA-256 (the full id is
 * then only in the document's `meta.json`). Never starts with `~` (reserved for store files).
 */
export function docDirName(docId: string): string {
  const plain = docId.replaceAll('/', '%2F');
  if (plain.length <= MAX_PLAIN_NAME) return plain;
  const hash = createHash('sha256').update(docId).digest('hex');
  return `${plain.slice(0, HASHED_PREFIX)}~${hash}`;
}

/**
 * The document id of a directory name made by `docDirName`, `null` when the name is hashed
 * (read the id from `meta.json`) or is not a document directory.
 */
export function docIdFromDirName(name: string): string | null {
  if (name.includes('~')) return null;
  const id = name.replaceAll('%2F', '/');
  try {
    assertStorableDocId(id);
  } catch {
    return null;
  }
  return docDirName(id) === name ? id : null;
}

/** True for directory names that may hold a document (not trash or temporary files). */
export function isDocDirName(name: string): boolean {
  return !name.startsWith('~');
}
