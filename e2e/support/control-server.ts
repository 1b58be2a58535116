import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKeyspace } from '../../ring/index.ts';
import type { Cluster } from '../../test/harness/cluster.ts';
import type { NodeProcess } from '../../test/harness/node-process.ts';

/** What the control server says about one node process. */
export interface NodeInfo {
  readonly id: string;
  readonly url: string;
  readonly httpUrl: string;
  readonly running: boolean;
  readonly paused: boolean;
}

/** The loopback control channel the global setup runs next to the cluster it owns. */
export interface ControlServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

const DRAIN_TIMEOUT_MS = 60_000;
const RING_TIMEOUT_MS = 30_000;

function info(node: NodeProcess): NodeInfo {
  return {
    id: node.id,
    url: node.url,
    httpUrl: node.httpUrl,
    running: node.running,
    paused: node.paused,
  };
}

/**
 * Serves the e2e tests' requests to change the cluster that Playwright's global setup started
 * (tests run in worker processes and cannot reach the node processes themselves). Loopback
 * only, JSON in and out; every mutating call answers once the change is done:
 *
 * - `GET /nodes` → `NodeInfo[]`
 * - `POST /nodes` `{ id }` → starts a new node with a fresh data dir, ready (`/readyz`) → `NodeInfo`
 * - `POST /nodes/<id>/kill` → SIGKILL, exited; `/start` → (re)started and ready;
 *   `/pause`, `/resume` → SIGSTOP, SIGCONT
 * - `POST /nodes/<id>/drain` → writes `<prefix>control/<id>/drain`, waits for the exit → `{ code }`
 * - `POST /ring/wait` `{ ids }` → every running node's ring is exactly `ids`
 * - `POST /restore` → back to the base shape: resumes paused nodes, drains every running
 *   node outside `baseIds` (SIGKILL if the drain fails), starts stopped base nodes, waits for
 *   the base ring → `{ actions }`
 *
 * Failures answer 4xx/5xx with `{ error }`.
 */
export async function startControlServer(
  cluster: Cluster,
  baseIds: readonly string[],
): Promise<ControlServer> {
  const find = (id: string): NodeProcess => {
    const node = cluster.nodes.find((n) => n.id === id);
    if (!node) throw new HttpError(404, `no node ${id}`);
    return node;
  };

  const drain = async (node: NodeProcess): Promise<number | null> => {
    await cluster.etcd.etcdctl(
      'put',
      createKeyspace(cluster.prefix).drainRequestKey(node.id),
      JSON.stringify({ requestedAt: Date.now() }),
    );
    return node.exited(DRAIN_TIMEOUT_MS);
  };

  const restore = async (): Promise<string[]> => {
    const actions: string[] = [];
    for (const node of cluster.nodes.filter((n) => n.paused)) {
      node.resume();
      actions.push(`resumed ${node.id}`);
    }
    for (const node of cluster.nodes.filter((n) => n.running && !baseIds.includes(n.id))) {
      const code = await drain(node).catch(() => null);
      if (node.running) await node.kill();
      actions.push(`drained ${node.id} (exit ${code})`);
    }
    for (const id of baseIds) {
      const node = find(id);
      if (!node.running) {
        await node.start();
        actions.push(`started ${id}`);
      }
    }
    await cluster.waitForRing(baseIds, RING_TIMEOUT_MS);
    return actions;
  };

  const handle = async (method: string, url: string, body: unknown): Promise<unknown> => {
    const parts = url.split('/').filter(Boolean);
    if (method === 'GET' && url === '/nodes') return cluster.nodes.map(info);
    if (method !== 'POST') throw new HttpError(405, `${method} not allowed`);
    if (url === '/nodes') {
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || !/^[a-z][a-z0-9-]{0,30}$/.test(id))
        throw new HttpError(400, 'body must be { id } with a lower-case node id');
      if (cluster.nodes.some((n) => n.id === id)) throw new HttpError(409, `node ${id} exists`);
      return info(await cluster.addNode(id));
    }
    if (url === '/ring/wait') {
      const ids = (body as { ids?: unknown } | null)?.ids;
      if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string'))
        throw new HttpError(400, 'body must be { ids: string[] }');
      await cluster.waitForRing(ids, RING_TIMEOUT_MS);
      return { ok: true };
    }
    if (url === '/restore') return { actions: await restore() };
    if (parts.length === 3 && parts[0] === 'nodes') {
      const node = find(parts[1] as string);
      switch (parts[2]) {
        case 'kill':
          await node.kill();
          return info(node);
        case 'start':
          await node.start();
          return info(node);
        case 'pause':
          node.pause();
          return info(node);
        case 'resume':
          node.resume();
          return info(node);
        case 'drain':
          if (!node.running) throw new HttpError(409, `node ${node.id} is not running`);
          return { code: await drain(node) };
      }
    }
    throw new HttpError(404, `no route ${method} ${url}`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
      } catch {
        body = null;
      }
      handle(req.method ?? 'GET', req.url ?? '/', body).then(
        (result) => reply(res, 200, result),
        (error: unknown) =>
          reply(res, error instanceof HttpError ? error.status : 500, {
            error: error instanceof Error ? error.message : String(error),
          }),
      );
    });
  });
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
