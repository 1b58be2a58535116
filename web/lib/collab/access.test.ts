import { describe, expect, it } from 'vitest';
import { loadAccess, parseTicketGrant, saveAccess, shareUrl, tokenFromHash } from './access.ts';

const TOKEN = 'AbCdEfGh12345678.abcdefghijklmnopqrstuvwxyz0123456789_-';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  };
}

describe('share links in the browser', () => {
  it('[P21] a share URL carries the token in its fragment and parses back', () => {
    const url = new URL(shareUrl('https://docs.example', 'abc', TOKEN));
    expect(url.pathname).toBe('/d/abc');
    expect(url.search).toBe('');
    expect(tokenFromHash(url.hash)).toBe(TOKEN);
    expect(tokenFromHash('#access=not a token')).toBeNull();
    expect(tokenFromHash('')).toBeNull();
  });

  it('[P21] tokens are remembered per document; junk is not', () => {
    const storage = memoryStorage();
    saveAccess(storage, 'abc', TOKEN);
    saveAccess(storage, 'def', '<script>');
    expect(loadAccess(storage, 'abc')).toBe(TOKEN);
    expect(loadAccess(storage, 'def')).toBeNull();
  });

  it('[P21] a ticket answer parses; access control off is null', () => {
    expect(parseTicketGrant({ ticket: 'a.b.c', perm: 'view', expiresAt: 5 })).toEqual({
      ticket: 'a.b.c',
      perm: 'view',
      expiresAt: 5,
    });
    expect(parseTicketGrant({ ticket: null, perm: 'edit' })).toBeNull();
    expect(() => parseTicketGrant({ ticket: 'x', perm: 'admin', expiresAt: 1 })).toThrow(TypeError);
  });
});
