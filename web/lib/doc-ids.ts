import { isValidDocId } from '../../server/protocol/index.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh random document id: 14 characters of `[a-z0-9]` (≈ 72 bits). */
export function newDocId(): string {
  const bytes = new Uint8Array(14);
  crypto.getRandomValues(bytes);
  let id = '';
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}

/** True for ids the web app serves at `/d/<id>`: one valid protocol segment (no sub-rooms). */
export function isPageDocId(id: string): boolean {
  return !id.includes('/') && isValidDocId(id);
}
