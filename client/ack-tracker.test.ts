import { describe, expect, it } from 'vitest';
import { createAckTracker } from './ack-tracker.ts';

describe('ack tracker', () => {
  it('[C4] content is pending until a cumulative ack covers it', () => {
    const t = createAckTracker();
    expect(t.pending).toBe(0);
    t.sent();
    t.sent();
    t.sent();
    expect(t.pending).toBe(3);
    expect(t.acked(2)).toBe(true);
    expect(t.pending).toBe(1);
    expect(t.acked(3)).toBe(true);
    expect(t.pending).toBe(0);
  });

  it('[C4] an ack beyond what was sent or going backwards is ignored', () => {
    const t = createAckTracker();
    t.sent();
    t.sent();
    expect(t.acked(5)).toBe(false);
    expect(t.pending).toBe(2);
    expect(t.acked(2)).toBe(true);
    expect(t.acked(1)).toBe(false);
    expect(t.ackedCount).toBe(2);
    expect(t.acked(2)).toBe(true);
  });

  it('sequence numbers are 1-based and consecutive', () => {
    const t = createAckTracker();
    expect([t.sent(), t.sent(), t.sent()]).toEqual([1, 2, 3]);
    expect(t.sentCount).toBe(3);
  });
});
