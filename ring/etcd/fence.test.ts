import { describe, expect, it } from 'vitest';
import { createFenceClock } from './fence.ts';

describe('fence clock (R6)', () => {
  it('[R6] is fenced before the first acknowledged keepalive', () => {
    const clock = createFenceClock(5, () => 0);
    expect(clock.isFenced()).toBe(true);
    expect(clock.ackAgeMs()).toBeNull();
  });

  it('[R6] fences once the last acknowledged keepalive was sent more than TTL − 1 s ago', () => {
    let now = 10_000;
    const clock = createFenceClock(5, () => now);
    clock.acknowledged(10_000, 5);
    now = 14_000;
    expect(clock.isFenced()).toBe(false);
    now = 14_001;
    expect(clock.isFenced()).toBe(true);
    expect(clock.thresholdMs()).toBe(4000);
  });

  it('[R6] counts from the send time, not the time the acknowledgement arrived', () => {
    let now = 0;
    const clock = createFenceClock(2, () => now);
    now = 900;
    clock.acknowledged(0, 2);
    now = 1001;
    expect(clock.isFenced()).toBe(true);
  });

  it('[R6] an older acknowledgement arriving late does not move the clock back', () => {
    let now = 0;
    const clock = createFenceClock(2, () => now);
    clock.acknowledged(500, 2);
    clock.acknowledged(100, 2);
    now = 1400;
    expect(clock.isFenced()).toBe(false);
  });

  it('[R6] uses the TTL etcd reports, and reset fences until the next acknowledgement', () => {
    let now = 0;
    const clock = createFenceClock(2, () => now);
    clock.acknowledged(0, 10);
    now = 8_000;
    expect(clock.isFenced()).toBe(false);
    clock.reset();
    expect(clock.isFenced()).toBe(true);
  });
});
