import { describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/index.ts';
import { createNodeConnectionMeter } from './node-connection-meter.ts';

describe('node-wide connection meter (C7)', () => {
  it('[C7] admits the burst, then refuses with 4529 and a retry-after until the bucket refills', () => {
    let t = 0;
    const meter = createNodeConnectionMeter({
      perSecond: 10,
      burst: 5,
      now: () => t,
      random: () => 0,
    });
    for (let i = 0; i < 5; i++) expect(meter.admit()).toBeNull();
    const refusal = meter.admit();
    expect(refusal).toMatchObject({ code: CloseCode.RATE_LIMITED, retryAfterMs: 1000 });
    expect(refusal?.reason).toMatch(/too many new connections \(limit 10\/s\)/);
    t += 100;
    expect(meter.admit()).toBeNull();
    expect(meter.admit()).not.toBeNull();
  });

  it('[C7] gives each refused client its own slot at the metered rate, after at least a second', () => {
    const draws = [0, 0.5, 0.999];
    const meter = createNodeConnectionMeter({
      perSecond: 1,
      burst: 1,
      now: () => 0,
      random: () => draws.shift() ?? 0,
    });
    expect(meter.admit()).toBeNull();
    const waits = [meter.admit(), meter.admit(), meter.admit()].map((r) => r?.retryAfterMs);
    // One per second: the second refusal comes a slot (1 s) after the first, and so on.
    expect(waits).toEqual([1000, 2500, 3999]);
  });

  it('[C7] a storm of refusals comes back spread at the rate, not as one wave', () => {
    const t = 0;
    // the jitter fixed mid-slot: a draw near 1 rounds the last slot (5,990–6,000 ms) up to 6 s
    const meter = createNodeConnectionMeter({
      perSecond: 100,
      burst: 100,
      now: () => t,
      random: () => 0.5,
    });
    for (let i = 0; i < 100; i++) expect(meter.admit()).toBeNull();
    const retries = Array.from({ length: 500 }, () => meter.admit()?.retryAfterMs as number);
    const perSecond = new Map<number, number>();
    for (const r of retries)
      perSecond.set(Math.floor(r / 1000), (perSecond.get(Math.floor(r / 1000)) ?? 0) + 1);
    // 500 refused at once return over five seconds, about the rate (100/s) in each.
    expect([...perSecond.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(101);
  });
});
