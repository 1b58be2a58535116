/** Thrown by a {@link waitFor} probe to end the wait at once (e.g. the process it waits on exited). */
export class WaitAborted extends Error {
  override readonly name = 'WaitAborted';
}

/**
 * Polls `probe` every `intervalMs` (default 50) until it returns true; throws
 * `timed out after … waiting for <what>` after `timeoutMs`. A probe that throws
 * {@link WaitAborted} ends the wait with that error; any other throw counts as "not yet"
 * (e.g. connection refused while a server starts).
 */
export async function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
