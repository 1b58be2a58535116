import type { WebUpstream } from '../web-gateway/routing.ts';

/**
 * How a web rollout starts and stops a build's upstream: the local driver (`web-local-driver.ts`)
 * runs another `next start` of the same `.next` output; Kubernetes runs a second Deployment
 * (deploy/kubernetes/ROLLOUT.md). The gateway learns about upstreams through etcd, not here.
 */
export interface WebDriver {
  /** Starts an upstream serving `build` and resolves once it answers. */
  start(build: string, say: (line: string) => void): Promise<WebUpstream>;
  /** True when `upstream` still runs (a resumed rollout reuses it). */
  alive(upstream: WebUpstream): Promise<boolean>;
  /** Stops `upstream` (no-op when already gone). */
  stop(upstream: WebUpstream, say: (line: string) => void): Promise<void>;
}
