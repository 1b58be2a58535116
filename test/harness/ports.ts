import { findFreePort } from '../../ring/testing/free-port.ts';

/**
 * Hands out free loopback ports (`findFreePort`, the one free-port helper), never the same
 * port twice from one allocator: a port taken by a process that has not bound it yet is not
 * handed out again.
 */
export function createPortAllocator(low = 20_000, high = 32_000): () => Promise<number> {
  const handedOut = new Set<number>();
  return async () => {
    const port = await findFreePort(handedOut, low, high);
    handedOut.add(port);
    return port;
  };
}
