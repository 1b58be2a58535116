import type { DocumentRegistry } from '../documents/registry.ts';
import type { MetricsRegistry } from '../http/metrics.ts';

export interface NodeGaugeSources {
  readonly registry: DocumentRegistry;
  readonly sessions: () => number;
  readonly fenced: () => boolean;
  readonly epoch: () => number;
  readonly members: () => number;
  readonly heapUsed: () => number;
}

/** The gauges of `/metrics` that are read when scraped (names in the README, Metrics). */
export function registerNodeGauges(metrics: MetricsRegistry, from: NodeGaugeSources): void {
  metrics.computed(
    'ringdoc_documents_loaded',
    'Documents loaded in memory',
    () => from.registry.loadedCount,
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
}
