/** A value now, or later. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Calls `next` with `value`: at once when it is a plain value, after it settles when it is a
 * promise (`fail` gets a rejection). Keeps a caller that answers synchronously (a simulation)
 * free of microtask hops, so its event order does not depend on promise scheduling.
 */
export function whenSettled<T>(
  value: MaybePromise<T>,
  next: (value: T) => void,
  fail: (error: unknown) => void,
): void {
  if (value instanceof Promise) value.then(next, fail);
  else next(value);
}
