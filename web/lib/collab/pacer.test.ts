import { describe, expect, it } from 'vitest';
import { createPacer, type PacerClock } from './pacer.ts';

function fakeClock() {
  let time = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let nextId = 1;
  const clock: PacerClock = {
    now: () => time,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: time + ms, fn });
      return id;
    },
    clearTimeout: (id) => void timers.delete(id as number),
  };
  const advance = (ms: number) => {
    time += ms;
    for (const [id, t] of [...timers]) {
      if (t.at <= time) {
        timers.delete(id);
        t.fn();
      }
    }
  };
  return { clock, advance };
}

describe('pacer', () => {
  it('sends the first request at once and collapses a burst into one trailing send', () => {
    const { clock, advance } = fakeClock();
    let sent = 0;
    const pacer = createPacer(() => sent++, 100, clock);
    pacer.request();
    expect(sent).toBe(1);
    for (let i = 0; i < 30; i++) {
      advance(3);
      pacer.request();
    }
    expect(sent).toBe(1);
    advance(100);
    expect(sent).toBe(2);
  });

  it('never exceeds one send per interval under a steady stream of requests', () => {
    const { clock, advance } = fakeClock();
    let sent = 0;
    const pacer = createPacer(() => sent++, 100, clock);
    for (let i = 0; i < 1000; i++) {
      pacer.request();
      advance(5);
    }
    expect(sent).toBeLessThanOrEqual(51);
    expect(sent).toBeGreaterThanOrEqual(49);
  });

  it('drops a pending send when cancelled', () => {
    const { clock, advance } = fakeClock();
    let sent = 0;
    const pacer = createPacer(() => sent++, 100, clock);
    pacer.request();
    pacer.request();
    pacer.cancel();
    advance(500);
    expect(sent).toBe(1);
  });
});
