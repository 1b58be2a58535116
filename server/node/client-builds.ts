import type { MetricsRegistry } from '../http/metrics.ts';

/**
 * Per-client-build counters from the handshake's `build` (C6): the node side of a web build's
 * health, read by `ringdoc rollout web` (server/rollout/web-health.ts) summed over all nodes.
 * How many sessions each build opens, how many the version gate sends to reload (a reload loop
 * shows as upgrade-required growing with sessions), how many of those were refused for their
 * protocol version (a build whose handshake no node accepts), and how many the node refused
 * otherwise (origin, busy, unavailable: connect failures), how many of its admitted sessions the
 * node later closed with 4400 (protocol errors: malformed frames, updates it cannot apply), and the ack latency its content
 * messages see (count, sum, and how many took over 250 ms; `ack-meter.ts`). Labels are bounded: a client chooses
 * its build string, so after `maxBuilds` distinct builds (default 16) the rest count as `other`;
 * a client without a build counts as `none`.
 */
export interface ClientBuildMetrics {
  opened(build: string | undefined): void;
  /** Told to reload (4426); `protocol`: its protocol version is outside the node's range. */
  upgradeRequired(build: string | undefined, protocol?: boolean): void;
  /** Refused at admission for another reason (`code`: the close code). */
  refused(build: string | undefined, code: number): void;
  /** An admitted session of `build` closed by the node with 4400 (malformed frame, update it cannot apply). */
  protocolError(build: string | undefined): void;
  /** One content message of a session of `build` acknowledged `seconds` after it arrived. */
  acked(build: string | undefined, seconds: number): void;
}

/** An ack slower than this counts in `ringdoc_client_build_slow_acks_total`. */
export const SLOW_ACK_SECONDS = 0.25;

/** The `build` label of a client build: itself, `none`, or `other` past the cap. */
export function createBuildLabeler(maxBuilds = 16): (build: string | undefined) => string {
  const seen = new Set<string>();
  return (build) => {
    if (build === undefined) return 'none';
    if (seen.has(build)) return build;
    if (seen.size >= maxBuilds) return 'other';
    seen.add(build);
    return build;
  };
}

export function createClientBuildMetrics(
  registry: MetricsRegistry,
  maxBuilds = 16,
): ClientBuildMetrics {
  const label = createBuildLabeler(maxBuilds);
  const counter = (name: string, help: string) => (build: string | undefined) =>
    registry.counter(name, help, { build: label(build) }).inc();
  const upgrade = counter(
    'ringdoc_client_build_upgrade_required_total',
    'Clients told to reload by the version gate, by the build they announced',
  );
  const protocol = counter(
    'ringdoc_client_build_protocol_refused_total',
    'Clients refused for a protocol version this node does not speak, by the build they announced',
  );
  return {
    opened: counter(
      'ringdoc_client_build_sessions_total',
      'Client sessions admitted, by the build the client announced',
    ),
    protocolError: counter(
      'ringdoc_client_build_protocol_errors_total',
      'Admitted client sessions closed 4400 (malformed frame, update that cannot be applied), by the build the client announced',
    ),
    upgradeRequired(build, isProtocol = false) {
      upgrade(build);
      if (isProtocol) protocol(build);
    },
    acked(build, seconds) {
      const labels = { build: label(build) };
      registry
        .counter(
          'ringdoc_client_build_acks_total',
          'Content messages acknowledged, by the build of the client that sent them',
          labels,
        )
        .inc();
      registry
        .counter(
          'ringdoc_client_build_ack_seconds_total',
          'Sum of the ack latencies (arrival to ACK) of those content messages, in seconds',
          labels,
        )
        .inc(seconds);
      if (seconds > SLOW_ACK_SECONDS) {
        registry
          .counter(
            'ringdoc_client_build_slow_acks_total',
            `Content messages acknowledged more than ${SLOW_ACK_SECONDS * 1000} ms after they arrived, by client build`,
            labels,
          )
          .inc();
      }
    },
    refused(build, code) {
      registry
        .counter(
          'ringdoc_client_build_refused_total',
          'Client sessions refused at admission (origin, busy, unavailable), by build and close code',
          { build: label(build), code: String(code) },
        )
        .inc();
    },
  };
}
