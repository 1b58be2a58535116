import type { DocumentRegistry } from '../documents/registry.ts';
import type { MetricsRegistry } from '../http/metrics.ts';

export interface NodeGaugeSources {
  readonly registry: DocumentRegistry;
  readonly sessions: () => number;
  readonly fenced: () => boolean;
  readonly epoch: () => number;
  readonly members: () => number;
  readonly heapUsed: () => number;
  /** p99 event-loop delay in seconds over the last window (`loop-lag.ts`). */
  readonly loopLagP99: () => number;
  /** When this process started, ms since epoch (a rollout counts restarts from it). */
  readonly startedAtMs: number;
  /** The server build this node runs (`--build`). */
  readonly build: string;
}

/** The gauges of `/metrics` that are read when scraped (names in the README, Metrics). */
export function registerNodeGauges(metrics: MetricsRegistry, from: NodeGaugeSources): void {
  metrics.computed(
    'ringdoc_documents_loaded',
    'Documents loaded in memory',
    () => from.registry.loadedCount,
  );
  metrics.computed(
    'ringdoc_documents_hydrated',
    'Loaded documents held as a live Y.Doc (the others are kept encoded until edited)',
    () => from.registry.hydratedCount,
  );
  metrics.computed(
    'ringdoc_documents_encoded',
    'Unloaded documents kept encoded in memory',
    () => from.registry.encodedCount,
  );
  metrics.computed('ringdoc_connections', 'Open client sessions', from.sessions);
  metrics.computed('ringdoc_fenced', '1 while the node is fenced', () => (from.fenced() ? 1 : 0));
  metrics.computed('ringdoc_ring_epoch', 'etcd revision of the ring view', from.epoch);
  metrics.computed('ringdoc_ring_members', 'Active members in the ring', from.members);
  metrics.computed('ringdoc_heap_used_bytes', 'V8 heap in use', from.heapUsed);
  metrics.computed(
    'ringdoc_event_loop_lag_p99_seconds',
    'p99 event-loop delay over the last 10 s window',
    from.loopLagP99,
  );
  metrics.computed(
    'ringdoc_process_start_time_seconds',
    'Start time of the node process, seconds since epoch',
    () => from.startedAtMs / 1000,
  );
  metrics
    .gauge('ringdoc_build_info', 'The server build this node runs', { build: from.build })
    .set(1);
}
