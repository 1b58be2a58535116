import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from '../test/harness/cluster.ts';
import { createPortAllocator } from '../test/harness/ports.ts';
import { startControlServer } from './support/control-server.ts';
import { E2E_ENV, type E2eEnvironment } from './support/environment.ts';
import { buildWeb, startWebServer, webBuildIsStale } from './support/web-server.ts';

/**
 * Builds the web app if `web/.next` is stale, starts etcd + 3 nodes (test/harness),
 * `next start web` and a loopback control server through which tests add, kill, drain and
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
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let control: Awaited<ReturnType<typeof startControlServer>>;
  try {
    const port = await createPortAllocator()();
    web = await startWebServer({
      port,
      etcd: cluster.etcd.endpoint,
      prefix: cluster.prefix,
      env: { RINGDOC_OPERATOR_TOKEN: operatorToken },
    });
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  try {
    control = await startControlServer(cluster, baseIds);
  } catch (error) {
    await web.stop();
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
  };
  process.env[E2E_ENV] = JSON.stringify(env);
  return async () => {
    const logs = fileURLToPath(new URL('../test-results/logs', import.meta.url));
    await mkdir(logs, { recursive: true }).catch(() => {});
    await writeFile(path.join(logs, 'web.log'), web.output()).catch(() => {});
    for (const node of cluster.nodes) {
      await writeFile(path.join(logs, `node-${node.id}.log`), node.output()).catch(() => {});
    }
    await control.close();
    await web.stop();
    await cluster.stop();
  };
}
