import { describe, expect, it } from 'vitest';
import { createBackoff, sleep } from './backoff.ts';

describe('backoff', () => {
  it('doubles the cap per attempt up to the maximum, with jitter in [cap/2, cap], and resets', () => {
    const low = createBackoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([50, 100, 200, 400, 500]);
    const high = createBackoff({ initialMs: 100, maxMs: 1000, random: () => 0.999_999 });
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
    high.reset();
    expect(high.next()).toBe(100);
  });

  it('sleep ends early without rejecting when its signal aborts', async () => {
    const abort = new AbortController();
    const slept = sleep(60_000, abort.signal);
    abort.abort();
    await expect(slept).resolves.toBeUndefined();
  });
});
