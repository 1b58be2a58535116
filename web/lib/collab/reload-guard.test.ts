import { describe, expect, it } from 'vitest';
import {
  buildPollDelayMs,
  claimBuildSwitchReload,
  claimUpgradeReload,
  type KeyValueStore,
  parseBuildAnswer,
} from './reload-guard.ts';

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

describe('build switch reload (a rolled-back build returns to the stable build)', () => {
  it('[C6] a blocked tab reloads once when the gateway sends it to another build', () => {
    const s = memoryStore();
    expect(claimBuildSwitchReload(s, '0.4.0', '0.3.0')).toBe(true);
    expect(claimBuildSwitchReload(s, '0.4.0', '0.3.0')).toBe(false);
    expect(claimBuildSwitchReload(s, '0.4.0', '0.3.0')).toBe(false);
  });

  it('[C6] never when the gateway still sends it to its own build, or the answer is unknown', () => {
    const s = memoryStore();
    expect(claimBuildSwitchReload(s, '0.4.0', '0.4.0')).toBe(false);
    expect(claimBuildSwitchReload(s, '0.4.0', null)).toBe(false);
    expect(claimBuildSwitchReload(s, '0.4.0', '0.3.0')).toBe(true);
  });

  it('[C6] is kept apart from the version gate: one of each, never a loop', () => {
    const s = memoryStore();
    expect(claimUpgradeReload(s, '0.4.0', '0.4.0')).toBe(true);
    expect(claimBuildSwitchReload(s, '0.4.0', '0.3.0')).toBe(true);
    expect(claimUpgradeReload(s, '0.4.0', '0.4.0')).toBe(false);
    expect(claimBuildSwitchReload(s, '0.4.0', '0.3.0')).toBe(false);
  });

  it('[C6] without working storage the tab never reloads by itself', () => {
    const broken: KeyValueStore = {
      getItem: () => null,
      setItem: () => {
        throw new Error('quota');
      },
    };
    expect(claimBuildSwitchReload(broken, '0.4.0', '0.3.0')).toBe(false);
  });

  it('reads only a well-formed build answer', () => {
    expect(parseBuildAnswer({ build: '0.3.0' })).toBe('0.3.0');
    expect(parseBuildAnswer({ build: '' })).toBeNull();
    expect(parseBuildAnswer({ build: 'a b' })).toBeNull();
    expect(parseBuildAnswer({ build: 3 })).toBeNull();
    expect(parseBuildAnswer(null)).toBeNull();
    expect(parseBuildAnswer('0.3.0')).toBeNull();
  });
});

describe('buildPollDelayMs', () => {
  it('asks every 2 s at first, then backs off to at most once a minute', () => {
    expect(buildPollDelayMs(0, 0.5)).toBe(2_000);
    expect(buildPollDelayMs(15_000, 0.5)).toBe(2_000);
    expect(buildPollDelayMs(100_000, 0.5)).toBe(10_000);
    expect(buildPollDelayMs(3_600_000, 0.5)).toBe(60_000);
  });

  it('spreads tabs blocked at the same moment by ±20 %', () => {
    expect(buildPollDelayMs(0, 0)).toBe(1_600);
    expect(buildPollDelayMs(0, 1)).toBe(2_400);
    expect(buildPollDelayMs(3_600_000, 1)).toBe(72_000);
  });
});
