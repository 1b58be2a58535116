import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { createSilentLogger } from '../server/log.ts';
import { type GatewayedWeb, startGatewayedWeb } from '../server/web-gateway/local.ts';
import { startCluster } from '../test/harness/cluster.ts';
import { createPortAllocator } from '../test/harness/ports.ts';
import { startControlServer } from './support/control-server.ts';
import { E2E_ENV, type E2eEnvironment } from './support/environment.ts';
import { buildWeb, webBuildIsStale } from './support/web-server.ts';

/** The build the suite's web app starts as (the stable build behind the gateway). */
export const E2E_WEB_BUILD = '0.1.0';

/**
 * Builds the web app if `web/.next` is stale, starts etcd + 3 nodes (test/harness), the web app
 * as `npm start` runs it — the web gateway on the web URL in front of one `next start web`
 * upstream of build 0.1.0 (`ringdoc rollout web` adds a second; web-rollout.spec.ts) — and a
 * loopback control server through which tests add, kill, drain and
 * restart nodes (tests run in worker processes; the node processes live here), and hands their
 * addresses to the tests through `RINGDOC_E2E`.
 * Returns the teardown, which stops everything (also after failures) and leaves the process
 * logs in `test-results/logs/` (web.log, node-n1.log, …) for post-mortems.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (webBuildIsStale()) buildWeb();
  // The product's lease TTL (5 s): the suite tests editing, not crash timing, and a 2 s lease
  // can fence every node when the machine is busy starting Chromium.
  // Like `npm start`, the ops page and the nodes' /docs are behind a generated operator token.
  const operatorToken = randomBytes(24).toString('base64url');
  const cluster = await startCluster({
    nodes: 3,
    leaseTtl: 5,
    nodeEnv: { RINGDOC_OPERATOR_TOKEN: operatorToken },
  });
  const baseIds = cluster.nodes.map((n) => n.id);
  let web: GatewayedWeb;
  let control: Awaited<ReturnType<typeof startControlServer>>;
  const etcd = new Etcd3({ hosts: [cluster.etcd.endpoint] });
  const webLogs = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-e2e-web-'));
  try {
    const port = await createPortAllocator()();
    web = await startGatewayedWeb({
      client: etcd,
      etcd: cluster.etcd.endpoint,
      prefix: cluster.prefix,
      port,
      build: E2E_WEB_BUILD,
      logDir: webLogs,
      env: { ...process.env, RINGDOC_OPERATOR_TOKEN: operatorToken },
      log: createSilentLogger(),
    });
  } catch (error) {
    etcd.close();
    await cluster.stop();
    throw error;
  }
  try {
    control = await startControlServer(cluster, baseIds);
  } catch (error) {
    await web.stop();
    etcd.close();
    await cluster.stop();
    throw error;
  }
  const env: E2eEnvironment = {
    webUrl: web.url,
    etcd: cluster.etcd.endpoint,
    prefix: cluster.prefix,
    nodes: cluster.nodes.map((n) => ({ id: n.id, url: n.url, httpUrl: n.httpUrl })),
    controlUrl: control.url,
    operatorToken,
    webBuild: E2E_WEB_BUILD,
    webLogDir: webLogs,
  };
  process.env[E2E_ENV] = JSON.stringify(env);
  return async () => {
    const logs = fileURLToPath(new URL('../test-results/logs', import.meta.url));
    await mkdir(logs, { recursive: true }).catch(() => {});
    for (const node of cluster.nodes) {
      await writeFile(path.join(logs, `node-${node.id}.log`), node.output()).catch(() => {});
    }
    await control.close();
    await web.stop();
    etcd.close();
    await cluster.stop();
    // The upstreams' logs: web-<build>.log per web build served.
    for (const name of await readdir(webLogs).catch(() => [] as string[])) {
      await copyFile(path.join(webLogs, name), path.join(logs, name)).catch(() => {});
    }
    await rm(webLogs, { recursive: true, force: true }).catch(() => {});
  };
}
