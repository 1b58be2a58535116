import type { MetricsRegistry } from '../http/metrics.ts';

/**
 * Per-client-build counters from the handshake's `build` (C6): how many sessions each build
 * opens and how many the version gate sends to reload — the node side of a web build's health
 * (a reload loop shows as upgrade-required growing with sessions). Labels are bounded: a client
 * chooses its build string, so after `maxBuilds` distinct builds (default 16) the rest count as
 * `other`; a client without a build counts as `none`.
 */
export interface ClientBuildMetrics {
  opened(build: string | undefined): void;
  upgradeRequired(build: string | undefined): void;
}

export function createClientBuildMetrics(
  registry: MetricsRegistry,
  maxBuilds = 16,
): ClientBuildMetrics {
  const seen = new Set<string>();
  const label = (build: string | undefined) => {
    if (build === undefined) return 'none';
    if (seen.has(build)) return build;
    if (seen.size >= maxBuilds) return 'other';
    seen.add(build);
    return build;
  };
  const counter = (name: string, help: string) => (build: string | undefined) =>
    registry.counter(name, help, { build: label(build) }).inc();
  return {
    opened: counter(
      'ringdoc_client_build_sessions_total',
      'Client sessions admitted, by the build the client announced',
    ),
    upgradeRequired: counter(
      'ringdoc_client_build_upgrade_required_total',
      'Clients told to reload by the version gate, by the build they announced',
    ),
  };
}
