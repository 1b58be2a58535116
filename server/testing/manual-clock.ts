import type { Clock } from '../clock.ts';

/** A {@link Clock} whose time moves only when told to (unit tests: no real sleeps). */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void;
  /** Timers not yet run. */
  pending(): number;
}

interface Timer {
  at: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly every: number | null;
}

/**
 * A manual clock starting at `start`. With `autoAdvance`, a timer that is the earliest
 * pending one fires on the next microtask turn and time jumps to it, so code that retries
 * with back-off runs to completion without waiting in real time.
 */
export function createManualClock(
  options: { start?: number; autoAdvance?: boolean } = {},
): ManualClock {
  let now = options.start ?? 0;
  let seq = 0;
  const timers = new Set<Timer>();
  const next = (): Timer | undefined => {
    let best: Timer | undefined;
    for (const t of timers)
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  };
  const fire = (timer: Timer) => {
    now = Math.max(now, timer.at);
    if (timer.every === null) timers.delete(timer);
    else timer.at += timer.every;
    timer.fn();
  };
  let scheduled = false;
  const kick = () => {
    if (!options.autoAdvance || scheduled) return;
    scheduled = true;
    void Promise.resolve().then(() => {
      scheduled = false;
      const timer = next();
      if (!timer) return;
      fire(timer);
      kick();
    });
  };
  const add = (ms: number, fn: () => void, every: number | null) => {
    const timer: Timer = { at: now + Math.max(0, ms), seq: seq++, fn, every };
    timers.add(timer);
    kick();
    return () => void timers.delete(timer);
  };
  return {
    now: () => now,
    after: (ms, fn) => add(ms, fn, null),
    every: (ms, fn) => add(ms, fn, Math.max(1, ms)),
    sleep: (ms) => new Promise<void>((resolve) => add(ms, resolve, null)),
    advance(ms) {
      const until = now + ms;
      for (let timer = next(); timer && timer.at <= until; timer = next()) fire(timer);
      now = until;
    },
    pending: () => timers.size,
  };
}
