/** Cancels a timer set with {@link Clock.after}; calling it after the timer ran does nothing. */
export type Cancel = () => void;

/**
 * Time as the client library sees it: injected, never read from globals, so a simulation can
 * drive it deterministically and a test can step it by hand. Browsers and Node pass one over
 * `Date.now`/`setTimeout`; the convergence fuzz passes its simulated clock.
 */
export interface Clock {
  /** Milliseconds on this clock's time line (only differences and `retryAt` use it). */
  now(): number;
  /** Runs `fn` once after `ms` (≥ 0); returns a function that cancels it. */
  after(ms: number, fn: () => void): Cancel;
}
