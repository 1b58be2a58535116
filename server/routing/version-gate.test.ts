import { describe, expect, it } from 'vitest';
import { checkClient } from './version-gate.ts';

const range = { min: 1, max: 1 };

describe('checkClient', () => {
  it('[C6] serves a stock client that sends no build', () => {
    expect(checkClient({}, { minClientBuild: '5' }, range)).toEqual({ ok: true });
  });
  it('[C6] refuses a client without a build when ops require one', () => {
    expect(checkClient({}, { requireClientBuild: true }, range).ok).toBe(false);
  });
  it('[C6] an older build must upgrade, the minimum and newer are served', () => {
    expect(checkClient({ build: '4', proto: 1 }, { minClientBuild: '5' }, range)).toMatchObject({
      ok: false,
      minBuild: '5',
    });
    expect(checkClient({ build: '5', proto: 1 }, { minClientBuild: '5' }, range).ok).toBe(true);
    expect(checkClient({ build: '10', proto: 1 }, { minClientBuild: '9' }, range).ok).toBe(true);
  });
  it('[C6] an unsupported protocol version must upgrade', () => {
    expect(checkClient({ build: '9', proto: 2 }, {}, range).ok).toBe(false);
  });
});
