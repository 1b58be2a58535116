import net from 'node:net';

/**
 * Finds free TCP ports on 127.0.0.1 below 32768 (uWS shares ports above with SO_REUSEPORT
 * habits of the kernel's ephemeral range; STACK). Ports handed out by one allocator are never
 * handed out twice.
 */
export function createPortAllocator(low = 20_000, high = 32_000): () => Promise<number> {
  const handedOut = new Set<number>();
  return async () => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const port = low + Math.floor(Math.random() * (high - low));
      if (handedOut.has(port)) continue;
      if (await isFree(port)) {
        handedOut.add(port);
        return port;
      }
    }
    throw new Error(`no free port found in ${low}-${high}`);
  };
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}
