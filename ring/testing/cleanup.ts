/** Cleanups a test registers as it starts things, run in reverse order (also after a failure). */
export interface CleanupStack {
  /** Registers `fn` to run at `run()`. */
  defer(fn: () => unknown): void;
  /** Runs every cleanup (newest first), each bounded by `timeoutMs`; throws the first error after all ran. */
  run(timeoutMs?: number): Promise<void>;
}

export function createCleanupStack(): CleanupStack {
  const stack: Array<() => unknown> = [];
  return {
    defer(fn) {
      stack.push(fn);
    },
    async run(timeoutMs = 10_000) {
      let first: unknown = null;
      while (stack.length > 0) {
        const fn = stack.pop()!;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(fn),
            new Promise((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`cleanup timed out after ${timeoutMs} ms`)),
                timeoutMs,
              );
            }),
          ]);
        } catch (error) {
          first ??= error;
        } finally {
          clearTimeout(timer);
        }
      }
      if (first !== null) throw first;
    },
  };
}
