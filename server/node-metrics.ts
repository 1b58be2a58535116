import type { Counter, Histogram, MetricsRegistry } from './http/metrics.ts';

/** The instruments a node records; names are documented in the README (Metrics). */
export interface NodeMetrics {
  readonly connectionsOpened: Counter;
  readonly updatesApplied: Counter;
  readonly updateBytes: Counter;
  readonly applySeconds: Histogram;
  readonly durableSeconds: Histogram;
  readonly redirects: Counter;
  readonly rejected: (code: number) => Counter;
  readonly loadFailures: Counter;
  readonly loadSeconds: Histogram;
  readonly pullSeconds: Histogram;
  readonly storeFailures: Counter;
  readonly awarenessBroadcasts: Counter;
  readonly awarenessDropped: Counter;
  readonly forwardedClients: Counter;
  /** Loaded documents whose Y.Doc was rebuilt from their encoded state / dropped (issue 14). */
  readonly docsHydrated: Counter;
  readonly docsEncoded: Counter;
}

export function createNodeMetrics(registry: MetricsRegistry): NodeMetrics {
  const rejected = new Map<number, Counter>();
  return {
    connectionsOpened: registry.counter(
      'ringdoc_connections_opened_total',
      'WebSocket connections accepted',
    ),
    updatesApplied: registry.counter(
      'ringdoc_updates_applied_total',
      'Yjs content messages applied from clients',
    ),
    updateBytes: registry.counter(
      'ringdoc_update_bytes_total',
      'Bytes of Yjs content messages applied',
    ),
    applySeconds: registry.histogram(
      'ringdoc_apply_seconds',
      'Time to validate and apply one client update',
    ),
    durableSeconds: registry.histogram(
      'ringdoc_durable_seconds',
      'Time from applying an update to it being durable (group-commit fsync), i.e. ack latency',
    ),
    redirects: registry.counter('ringdoc_redirects_total', 'Clients redirected to the owner node'),
    rejected: (code) => {
      let c = rejected.get(code);
      if (!c) {
        c = registry.counter('ringdoc_closes_total', 'Sockets closed by the node, by close code', {
          code: String(code),
        });
        rejected.set(code, c);
      }
      return c;
    },
    loadFailures: registry.counter('ringdoc_load_failures_total', 'Document loads that failed'),
    loadSeconds: registry.histogram(
      'ringdoc_load_seconds',
      'Time to load a document (store + pull from other holders)',
    ),
    pullSeconds: registry.histogram(
      'ringdoc_pull_seconds',
      'Time to fetch the copies other holders have of a document on load',
    ),
    storeFailures: registry.counter('ringdoc_store_failures_total', 'Durable writes that failed'),
    awarenessBroadcasts: registry.counter(
      'ringdoc_awareness_broadcasts_total',
      'Coalesced awareness messages broadcast',
    ),
    awarenessDropped: registry.counter(
      'ringdoc_awareness_dropped_total',
      'Awareness entries dropped because another connection owns their client id (C8)',
    ),
    forwardedClients: registry.counter(
      'ringdoc_forwarded_clients_total',
      'Clients served through this node to another owner because they do not follow redirects (C10)',
    ),
    docsHydrated: registry.counter(
      'ringdoc_docs_hydrated_total',
      'Loaded documents whose Y.Doc was rebuilt from their encoded state (edited or read again)',
    ),
    docsEncoded: registry.counter(
      'ringdoc_docs_encoded_total',
      'Loaded documents whose Y.Doc was dropped for their encoded state (idle, or memory pressure)',
    ),
  };
}
