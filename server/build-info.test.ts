import { describe, expect, it } from 'vitest';
import { compareBuilds } from './build-info.ts';

describe('compareBuilds', () => {
  it('[C6] orders numeric parts numerically', () => {
    expect(compareBuilds('1.10', '1.9')).toBe(1);
    expect(compareBuilds('2', '10')).toBe(-1);
    expect(compareBuilds('2026.11.22', '2026.11.22')).toBe(0);
  });
  it('[C6] a longer build with the same prefix is newer', () => {
    expect(compareBuilds('1.2', '1.2.1')).toBe(-1);
    expect(compareBuilds('1.2.1', '1.2')).toBe(1);
  });
  it('[C6] non-numeric parts compare lexically', () => {
    expect(compareBuilds('1.0-beta', '1.0-alpha')).toBe(1);
  });
});
