import type { NodeVersion } from './machine.ts';

/**
 * How a rollout restarts nodes: the local cluster (`local-driver.ts`) restarts processes;
 * Kubernetes would move a StatefulSet partition (deploy/kubernetes/ROLLOUT.md).
 */
export interface NodeDriver {
  /** The version each node of the cluster runs now, by node id. */
  current(): Promise<Record<string, NodeVersion>>;
  /** True when `node` already runs `version` and is ready (a resumed rollout skips it). */
  runs(node: string, version: NodeVersion): Promise<boolean>;
  /**
   * Drains `node` (its documents go to the others, M2), restarts it on `version`, and resolves
   * once it is ready and active in the ring again (it took its documents back, M1). Rejects
   * with a clear message when it does not come up within the driver's timeout.
   */
  restart(node: string, version: NodeVersion, say: (line: string) => void): Promise<void>;
}
