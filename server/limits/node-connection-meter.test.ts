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

  it('[C7] spreads the retry-after of refused clients over one to two times the wait', () => {
    const draws = [0, 0.5, 0.999];
    const meter = createNodeConnectionMeter({
      perSecond: 1,
      burst: 1,
      now: () => 0,
      random: () => draws.shift() ?? 0,
    });
    expect(meter.admit()).toBeNull();
    const waits = [meter.admit(), meter.admit(), meter.admit()].map((r) => r?.retryAfterMs);
    expect(waits).toEqual([1000, 1500, 1999]);
  });
});
