import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import { createNodeProcess, type NodeProcess, waitFor } from './node-process.ts';
import { createPortAllocator } from './ports.ts';

export interface ClusterOptions {
  /** Number of nodes started at once (default 3). */
  readonly nodes?: number;
  /** Lease TTL of the nodes in seconds (default 2, etcd's minimum, to keep tests fast). */
  readonly leaseTtl?: number;
  readonly prefix?: string;
  /** Extra `ringdoc node` arguments for every node. */
  readonly nodeArgs?: readonly string[];
  /** Extra environment of every node (e.g. `RINGDOC_OPERATOR_TOKEN`). */
  readonly nodeEnv?: Record<string, string>;
}

/** A real local cluster: one etcd, N `ringdoc node` processes, each with its own data dir. */
export interface Cluster {
  readonly etcd: EtcdServer;
  readonly prefix: string;
  readonly nodes: NodeProcess[];
  readonly root: string;
  node(id: string): NodeProcess;
  /** Starts one more node (id `n<k>`) and waits until it is ready. */
  addNode(id?: string): Promise<NodeProcess>;
  /**
   * Waits until every running, unpaused node's `/ring` lists exactly `ids` as active members;
   * throws after `timeoutMs` (default 15 s).
   */
  waitForRing(ids: readonly string[], timeoutMs?: number): Promise<void>;
  /** The owner of `docId` per node `via`'s `/route`. */
  ownerOf(
    docId: string,
    via?: NodeProcess,
  ): Promise<{ owner: string; url: string; epoch: number; replicas: string[] }>;
  /** Stops every node and etcd, removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-cluster-'));
  const nextPort = createPortAllocator();
  const prefix = options.prefix ?? '/ringdoc/';
  const etcd = await startEtcd();
  const nodes: NodeProcess[] = [];
  let stopped = false;

  const make = async (id: string) => {
    const node = createNodeProcess({
      id,
      port: await nextPort(),
      etcd: etcd.endpoint,
      dataDir: path.join(root, id),
      prefix,
      leaseTtl: options.leaseTtl ?? 2,
      extraArgs: options.nodeArgs ?? [],
      ...(options.nodeEnv ? { env: options.nodeEnv } : {}),
    });
    nodes.push(node);
    return node;
  };

  const cluster: Cluster = {
    etcd,
    prefix,
    nodes,
    root,
    node(id) {
      const n = nodes.find((x) => x.id === id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    },
    async addNode(id) {
      const node = await make(id ?? `n${nodes.length + 1}`);
      await node.start();
      return node;
    },
    async waitForRing(ids, timeoutMs) {
      const want = [...ids].sort().join(',');
      await waitFor(
        `ring = [${want}] on every running node`,
        async () => {
          for (const node of nodes.filter((n) => n.running && !n.paused)) {
            const res = await fetch(`${node.httpUrl}/ring`, { signal: AbortSignal.timeout(2000) });
            if (res.status !== 200) return false;
            const body = (await res.json()) as { ring: { members: string[] } };
            if ([...body.ring.members].sort().join(',') !== want) return false;
          }
          return true;
        },
        timeoutMs,
      );
    },
    async ownerOf(docId, via) {
      const node = via ?? nodes.find((n) => n.running && !n.paused);
      if (!node) throw new Error('no running node');
      const res = await fetch(`${node.httpUrl}/route/${docId}`, {
        signal: AbortSignal.timeout(5000),
      });
      if (res.status !== 200)
        throw new Error(`route ${docId}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as {
        owner: string;
        url: string;
        epoch: number;
        replicas: string[];
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled(nodes.map((n) => n.kill()));
      await etcd.stop();
      await rm(root, { recursive: true, force: true });
    },
  };

  try {
    for (let i = 1; i <= (options.nodes ?? 3); i++) await make(`n${i}`);
    await Promise.all(nodes.map((n) => n.start()));
    await cluster.waitForRing(nodes.map((n) => n.id));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
