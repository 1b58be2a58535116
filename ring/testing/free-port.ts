import net from 'node:net';

/**
 * A free TCP port on 127.0.0.1 in `[low, high)` (default 20000–32000: below the kernel's
 * ephemeral range, so an outgoing connection cannot take it meanwhile). Probes random ports with
 * an exclusive bind; ports in `avoid` are skipped. Throws after 200 busy probes.
 */
export async function findFreePort(
  avoid: ReadonlySet<number> = new Set(),
  low = 20_000,
  high = 32_000,
): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (avoid.has(port)) continue;
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port found in ${low}-${high}`);
}

/** True when nothing listens on `127.0.0.1:port` (an exclusive bind succeeds). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}
