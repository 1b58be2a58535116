import http from 'node:http';
import net from 'node:net';
import type { Etcd3 } from 'etcd3';
import type { PrefixUpdate } from '../../ring/etcd/prefix-state.ts';
import { watchPrefix } from '../../ring/etcd/prefix-watch.ts';
import type { Logger } from '../../ring/etcd/types.ts';
import {
  BUILD_COOKIE,
  cookieFrom,
  type GatewayRouting,
  parseGatewayRouting,
  routeRequest,
} from './routing.ts';
import { createRoutingStore } from './routing-store.ts';

export interface WebGatewayOptions {
  readonly client: Etcd3;
  readonly prefix: string;
  readonly port: number;
  readonly host?: string;
  readonly log: Logger;
  /** Uniform in [0, 1) (default `Math.random`): the draw of a new browser's build. */
  readonly random?: () => number;
}

export interface WebGateway {
  readonly url: string;
  /** The routing in force (`null` until the first record is read). */
  routing(): GatewayRouting | null;
  close(): Promise<void>;
}

/**
 * The web gateway (README, Rollouts → web): a reverse proxy in front of the web builds'
 * upstreams. It follows `<prefix>web-gateway` in etcd (list then watch) and routes every request
 * by the browser's `ringdoc-build` cookie ({@link routeRequest}: sticky, re-assigned when its
 * build is no longer served), setting the cookie when it assigns one. WebSocket upgrades are
 * passed through to the same upstream. Answers 503 while no routing is known, 502 when the
 * upstream does not answer.
 */
export async function startWebGateway(options: WebGatewayOptions): Promise<WebGateway> {
  const { log } = options;
  const random = options.random ?? Math.random;
  const store = createRoutingStore(options.client, options.prefix);
  let current: GatewayRouting | null = null;

  const onUpdate = (update: PrefixUpdate) => {
    const entry = update.snapshot.entries.get(store.key);
    if (!entry) return;
    const parsed = parseGatewayRouting(entry.value.toString('utf8'));
    if (parsed instanceof Error) {
      log.warn(`ignoring ${store.key}: ${parsed.message}; keeping the previous routing`);
      return;
    }
    current = parsed;
    log.info(
      `web routing: stable ${parsed.stable.build}${
        parsed.canary ? `, ${parsed.canary.build} at ${parsed.canary.share} %` : ''
      }`,
    );
  };
  const watch = watchPrefix({
    client: options.client,
    prefix: store.key,
    log,
    label: 'web-gateway',
    onUpdate,
  });

  const decide = (cookieHeader: string | undefined) => {
    if (!current) return null;
    return routeRequest(current, cookieFrom(cookieHeader, BUILD_COOKIE), random());
  };
  const cookieLine = (build: string) =>
    `${BUILD_COOKIE}=${build}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly`;

  const server = http.createServer((req, res) => {
    const decision = decide(req.headers.cookie);
    if (!decision) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' });
      res.end('no web build is registered with the gateway yet\n');
      return;
    }
    const target = new URL(decision.upstream.url);
    const headers = { ...req.headers, 'x-ringdoc-build': decision.upstream.build };
    if (decision.setCookie !== null) {
      // The upstream sees the browser as already assigned (its cookie-reading code agrees).
      headers.cookie = `${req.headers.cookie ? `${req.headers.cookie}; ` : ''}${BUILD_COOKIE}=${decision.setCookie}`;
    }
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        const out = { ...answer.headers };
        if (decision.setCookie !== null) {
          const existing = out['set-cookie'] ?? [];
          out['set-cookie'] = [...existing, cookieLine(decision.setCookie)];
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'text/plain', 'retry-after': '1' });
      res.end(`web build ${decision.upstream.build} did not answer: ${error.message}\n`);
    });
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });

  server.on('upgrade', (req, socket, head) => {
    const decision = decide(req.headers.cookie);
    if (!decision) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    const target = new URL(decision.upstream.url);
    const conn = net.connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      conn.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) conn.write(head);
      conn.pipe(socket);
      socket.pipe(conn);
    });
    conn.on('error', () => socket.destroy());
    socket.on('error', () => conn.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  await watch.ready();

  return {
    url: `http://127.0.0.1:${options.port}`,
    routing: () => current,
    async close() {
      await watch.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
