import { randomBytes } from 'node:crypto';
import { createRing, DEFAULT_VNODES } from '../../ring/core/index.ts';
import type { NodeInfo } from './control-server.ts';

export type { NodeInfo };

/** The tests' handle on the cluster the global setup owns (through its control server). */
export interface ClusterControl {
  nodes(): Promise<NodeInfo[]>;
  /** Starts a new node `id` (fresh data dir) and resolves once it is ready. */
  addNode(id: string): Promise<NodeInfo>;
  /** `kill -9`; resolves once the process is gone. */
  kill(id: string): Promise<void>;
  /** (Re)starts a node with its data dir; resolves once it is ready. */
  start(id: string): Promise<void>;
  /** Requests a drain through etcd; resolves with the exit code once the node exited. */
  drain(id: string): Promise<number | null>;
  /** Resolves once every running node's ring is exactly `ids`. */
  waitForRing(ids: readonly string[]): Promise<void>;
  /** The ring's virtual nodes per member, from a running node's `/ring`. */
  vnodes(): Promise<number>;
  /** Back to the base cluster shape (extra nodes drained, base nodes running, ring settled). */
  restore(): Promise<string[]>;
}

/** A client of `startControlServer` at `url`; every call throws with the server's error. */
export function createClusterControl(url: string): ClusterControl {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const json = (await res.json()) as T & { error?: string };
    if (res.status !== 200) throw new Error(`control ${method} ${path}: ${json.error}`);
    return json;
  };
  const control: ClusterControl = {
    nodes: () => call('GET', '/nodes'),
    addNode: (id) => call('POST', '/nodes', { id }),
    kill: async (id) => {
      await call('POST', `/nodes/${id}/kill`);
    },
    start: async (id) => {
      await call('POST', `/nodes/${id}/start`);
    },
    drain: async (id) => (await call<{ code: number | null }>('POST', `/nodes/${id}/drain`)).code,
    waitForRing: async (ids) => {
      await call('POST', '/ring/wait', { ids });
    },
    async vnodes() {
      const node = (await control.nodes()).find((n) => n.running && !n.paused);
      if (!node) return DEFAULT_VNODES;
      const res = await fetch(`${node.httpUrl}/ring`);
      const body = (await res.json()) as { ring?: { vnodes?: number } };
      return body.ring?.vnodes ?? DEFAULT_VNODES;
    },
    restore: async () => (await call<{ actions: string[] }>('POST', '/restore')).actions,
  };
  return control;
}

/** Pure (DESIGN R1): the owner of `docId` when `members` form the ring. */
export function ownerAmong(docId: string, members: readonly string[], vnodes: number): string {
  const owner = createRing(members, { vnodes }).ownerOf(docId);
  if (owner === null) throw new Error('no members');
  return owner;
}

/**
 * A fresh random document id that `target` owns once `members` form the ring (drawn until one
 * fits: with k members about k draws).
 */
export function docIdOwnedBy(target: string, members: readonly string[], vnodes: number): string {
  const ring = createRing(members, { vnodes });
  for (let i = 0; i < 10_000; i++) {
    const id = `e2e-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
    if (ring.ownerOf(id) === target) return id;
  }
  throw new Error(`no document id owned by ${target} among [${members.join(',')}]`);
}

/** A node id no test used before (`x` + random hex), for nodes a test adds. */
export function freshNodeId(): string {
  return `x${randomBytes(3).toString('hex')}`;
}
