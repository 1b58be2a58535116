/** Timer functions a pacer needs (the provider's `Environment` has them). */
export interface PacerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Runs `send` at most once per interval; requests in between collapse into one. */
export interface Pacer {
  /** Asks for a send: now if the last one is at least an interval old, else once it is. */
  request(): void;
  /** Drops a pending send (on disconnect and destroy). */
  cancel(): void;
}

/**
 * A leading-and-trailing throttle: the first request sends at once, later ones within
 * `intervalMs` collapse into one send at the end of the interval, so the newest state
 * always goes out and the rate never exceeds one per interval. Used to keep presence
 * (awareness) below the node's per-connection limit (20/s, else 4529) however fast
 * someone types or moves the caret.
 */
export function createPacer(send: () => void, intervalMs: number, clock: PacerClock): Pacer {
  let last = Number.NEGATIVE_INFINITY;
  let timer: unknown = null;
  const fire = () => {
    timer = null;
    last = clock.now();
    send();
  };
  return {
    request() {
      if (timer !== null) return;
      const wait = last + intervalMs - clock.now();
      if (wait <= 0) fire();
      else timer = clock.setTimeout(fire, wait);
    },
    cancel() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}
