import { readFileSync } from 'node:fs';
import { isAlive } from '../../server/cli/local/proc.ts';
import { parseState } from '../../server/cli/local/state.ts';
import type { WorkloadCluster } from './workload.ts';

/**
 * The nodes of a local cluster (`npm start`, `startLocalCluster`) as a {@link WorkloadCluster}:
 * read from its state file at each call (a rollout changes pids, never ports), routes asked
 * from any node that answers.
 */
export function localClusterView(stateFile: string): WorkloadCluster {
  const nodes = () => {
    const state = parseState(readFileSync(stateFile, 'utf8'));
    if (state instanceof Error) throw state;
    return state.nodes.map((n) => ({
      id: n.id,
      url: n.url,
      running: isAlive(n.pid),
      paused: false,
      httpUrl: `http://127.0.0.1:${n.port}`,
    }));
  };
  return {
    get nodes() {
      return nodes();
    },
    node(id) {
      const n = nodes().find((x) => x.id === id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    },
    async ownerOf(docId) {
      let last: unknown = new Error('no node answered');
      for (const n of nodes()) {
        try {
          const res = await fetch(`${n.httpUrl}/route/${docId}`, {
            signal: AbortSignal.timeout(5000),
          });
          if (res.status === 200) {
            return (await res.json()) as {
              owner: string;
              url: string;
              epoch: number;
              replicas: string[];
            };
          }
          last = new Error(`route ${docId}: HTTP ${res.status}`);
        } catch (error) {
          last = error;
        }
      }
      throw last;
    },
  };
}
