import type { Etcd3 } from 'etcd3';
import type { LocalSecrets } from '../cli/local/secrets.ts';
import type { Logger } from '../log.ts';
import { createLocalWebDriver } from '../rollout/web-local-driver.ts';
import { startWebGateway, type WebGateway } from './gateway.ts';
import { createRoutingStore } from './routing-store.ts';

export interface GatewayedWebOptions {
  readonly client: Etcd3;
  /** etcd endpoints for the upstreams (comma-separated). */
  readonly etcd: string;
  readonly prefix: string;
  /** The gateway's port: the web app's public port. */
  readonly port: number;
  readonly host?: string;
  /** The stable build the first upstream serves (`RINGDOC_WEB_BUILD`). */
  readonly build: string;
  readonly logDir: string;
  readonly secrets?: LocalSecrets | null;
  /** Environment of the upstreams (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly ownerPid?: number | null;
  readonly log: Logger;
}

export interface GatewayedWeb {
  readonly url: string;
  readonly gateway: WebGateway;
  /** Pid of the first (stable) upstream. */
  readonly upstreamPid: number;
  /** Closes the gateway and stops every upstream the routing names (rollouts add and swap them). */
  stop(): Promise<void>;
}

/**
 * The web app as the local cluster and the Playwright setup run it: one `next start` upstream of
 * the stable build (local web driver) registered in `<prefix>web-gateway`, behind the web gateway
 * on `port`. `ringdoc rollout web` then adds the new build's upstream beside it.
 */
export async function startGatewayedWeb(options: GatewayedWebOptions): Promise<GatewayedWeb> {
  const driver = createLocalWebDriver({
    etcd: options.etcd,
    prefix: options.prefix,
    logDir: options.logDir,
    secrets: options.secrets ?? null,
    ownerPid: options.ownerPid ?? process.pid,
    ...(options.env ? { env: options.env } : {}),
  });
  const say = (line: string) => options.log.info(line);
  const upstream = await driver.start(options.build, say);
  const routing = createRoutingStore(options.client, options.prefix);
  let gateway: WebGateway;
  try {
    await routing.write({ version: 1, stable: upstream, canary: null });
    gateway = await startWebGateway({
      client: options.client,
      prefix: options.prefix,
      port: options.port,
      ...(options.host ? { host: options.host } : {}),
      log: options.log,
    });
  } catch (error) {
    await driver.stop(upstream, say);
    throw error;
  }
  return {
    url: gateway.url,
    gateway,
    upstreamPid: upstream.pid as number,
    async stop() {
      await gateway.close();
      const current = await routing.read().catch(() => null);
      const all = [
        upstream,
        ...(current ? [current.stable] : []),
        ...(current?.canary ? [current.canary] : []),
      ];
      const pids = new Set<number>();
      for (const u of all) {
        if (u.pid === null || pids.has(u.pid)) continue;
        pids.add(u.pid);
        await driver.stop(u, say).catch(() => {});
      }
    },
  };
}
