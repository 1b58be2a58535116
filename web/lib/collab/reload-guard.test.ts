import { describe, expect, it } from 'vitest';
import { claimUpgradeReload, type KeyValueStore } from './reload-guard.ts';

function memoryStore(): KeyValueStore {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('upgrade reload guard', () => {
  it('[C6] an outdated tab reloads once per required build, never in a loop', () => {
    const s = memoryStore();
    expect(claimUpgradeReload(s, '1', '2')).toBe(true);
    expect(claimUpgradeReload(s, '1', '2')).toBe(false);
    expect(claimUpgradeReload(s, '1', '2')).toBe(false);
  });

  it('[C6] a higher required build allows one more reload', () => {
    const s = memoryStore();
    expect(claimUpgradeReload(s, '1', '2')).toBe(true);
    expect(claimUpgradeReload(s, '1', '3')).toBe(true);
    expect(claimUpgradeReload(s, '1', '3')).toBe(false);
  });

  it('[C6] without working storage the tab never reloads by itself', () => {
    const broken: KeyValueStore = {
      getItem: () => null,
      setItem: () => {
        throw new Error('quota');
      },
    };
    expect(claimUpgradeReload(broken, '1', '2')).toBe(false);
    const forgetful: KeyValueStore = { getItem: () => null, setItem: () => {} };
    expect(claimUpgradeReload(forgetful, '1', '2')).toBe(false);
  });
});
