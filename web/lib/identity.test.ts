import { describe, expect, it } from 'vitest';
import { cleanName, loadIdentity, MAX_NAME_LENGTH, saveName } from './identity.ts';

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  };
}

describe('identity', () => {
  it('[W2] a display name is remembered across page loads', () => {
    const storage = memoryStorage();
    const first = loadIdentity(storage);
    expect(loadIdentity(storage)).toEqual(first);
    saveName(storage, 'Ada');
    expect(loadIdentity(storage)).toEqual({ name: 'Ada', color: first.color });
  });

  it('[W2] names are trimmed and bounded; blank is refused', () => {
    expect(cleanName('  Ada   Lovelace ')).toBe('Ada Lovelace');
    expect(cleanName('   ')).toBeNull();
    expect(cleanName('x'.repeat(100))).toHaveLength(MAX_NAME_LENGTH);
  });
});
