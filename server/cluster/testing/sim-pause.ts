import type { Clock } from '../../clock.ts';
import type { SimClock } from './sim-clock.ts';

/**
 * A process's "is it running" switch (SIGSTOP / SIGCONT): while paused, everything that
 * would run the process's code — its timers, frames and closes reaching its sockets, etcd
 * answers and views — is queued in arrival order and runs when it resumes.
 */
export interface PauseGate {
  readonly paused: boolean;
  /** Runs `fn` now, or queues it until `resume` while paused. */
  run(fn: () => void): void;
  pause(): void;
  /** Runs everything queued, in order (time did not stop meanwhile). */
  resume(): void;
}

/** Creates a running gate. */
export function createPauseGate(): PauseGate {
  let paused = false;
  const queued: Array<() => void> = [];
  return {
    get paused() {
      return paused;
    },
    run(fn) {
      if (paused) queued.push(fn);
      else fn();
    },
    pause() {
      paused = true;
    },
    resume() {
      if (!paused) return;
      paused = false;
      // A queued step may pause again (it cannot here: faults run from the simulation).
      while (queued.length > 0 && !paused) (queued.shift() as () => void)();
    },
  };
}

/**
 * The clock one simulated process sees: `base`'s time, with every timer going through
 * `gate` (a paused process runs its due timers when it resumes; an interval that came due
 * several times while paused runs once, as a stopped process's `setInterval` does).
 */
export function pausableClock(base: SimClock, gate: PauseGate): SimClock {
  const gated = (
    after: (ms: number, fn: () => void) => () => void,
  ): ((ms: number, fn: () => void) => () => void) => {
    return (ms, fn) => {
      let cancelled = false;
      const cancel = after(ms, () => gate.run(() => cancelled || fn()));
      return () => {
        cancelled = true;
        cancel();
      };
    };
  };
  const after = gated(base.after);
  const moduleAfter = gated(base.modules.after);
  const modules: Clock = {
    now: base.modules.now,
    after: moduleAfter,
    every(ms, fn) {
      let cancelled = false;
      let due = false;
      const stop = base.modules.every(ms, () => {
        if (due) return;
        due = true;
        gate.run(() => {
          due = false;
          if (!cancelled) fn();
        });
      });
      return () => {
        cancelled = true;
        stop();
      };
    },
    sleep: (ms) => new Promise((resolve) => moduleAfter(ms, () => resolve())),
  };
  return {
    now: base.now,
    after,
    sleep: (ms) => new Promise((resolve) => after(ms, resolve)),
    pending: base.pending,
    modules,
  };
}
