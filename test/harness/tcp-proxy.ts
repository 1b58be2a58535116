import net from 'node:net';

/** A loopback TCP proxy to one port whose path can be cut and healed (P30 tests). */
export interface TcpProxy {
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  /** Destroys every proxied connection and refuses new ones (they are reset at once). */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const cutAll = () => {
    cut = true;
    for (const s of [...open]) s.resetAndDestroy();
    open.clear();
  };
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    cut: cutAll,
    heal() {
      cut = false;
    },
    async close() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
