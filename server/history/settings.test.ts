import { describe, expect, it } from 'vitest';
import { parseHistorySettings } from './settings.ts';

describe('history settings (W6)', () => {
  it('parses numbers and a retention policy', () => {
    expect(parseHistorySettings('quietMs=5000,checkpointEvery=20', '1:0,inf:24')).toEqual({
      quietMs: 5000,
      checkpointEvery: 20,
      retention: [
        { upToAgeMs: 3_600_000, everyMs: 0 },
        { upToAgeMs: Number.POSITIVE_INFINITY, everyMs: 86_400_000 },
      ],
    });
    expect(parseHistorySettings('')).toEqual({});
  });

  it('refuses unknown names and bad values', () => {
    expect(() => parseHistorySettings('quiet=5')).toThrow(/unknown history setting/);
    expect(() => parseHistorySettings('quietMs=-1')).toThrow(/positive integer/);
    expect(() => parseHistorySettings('', 'x')).toThrow(RangeError);
  });
});
