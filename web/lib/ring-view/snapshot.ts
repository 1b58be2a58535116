import type { RingView } from '../../../ring/index.ts';
import type { DashboardDocument, DashboardMember, NodeProbe, RingSnapshot } from './types.ts';

/** Documents a snapshot carries at most (default of {@link buildSnapshot}). */
export const DEFAULT_MAX_DOCUMENTS = 1000;

export interface SnapshotOptions {
  /** Cap on `documents` (default {@link DEFAULT_MAX_DOCUMENTS}); `documentsTotal` counts all. */
  readonly maxDocuments?: number;
}

/**
 * Pure: the dashboard picture of `view` with the latest node `probes` (by member id).
 * Probes of ids that are no longer members are ignored; a member without a probe gets
 * `load: null`. Members, documents and holder lists are sorted, so the same inputs always
 * give the same JSON.
 */
export function buildSnapshot(
  view: RingView,
  probes: ReadonlyMap<string, NodeProbe>,
  options: SnapshotOptions = {},
): RingSnapshot {
  const maxDocuments = options.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  const records = [...view.members.values()].sort((a, b) => compare(a.id, b.id));
  const members: DashboardMember[] = records.map((m) => {
    const probe = probes.get(m.id);
    return {
      id: m.id,
      state: m.state,
      url: m.publicUrl,
      build: m.build,
      startedAt: m.startedAt,
      load: probe
        ? {
            loaded: new Set(probe.loaded).size,
            stored: new Set(probe.stored).size,
            connections: probe.connections,
          }
        : null,
    };
  });

  const holders = new Map<string, { loadedOn: Set<string>; storedOn: Set<string> }>();
  const entry = (id: string) => {
    let h = holders.get(id);
    if (!h) {
      h = { loadedOn: new Set(), storedOn: new Set() };
      holders.set(id, h);
    }
    return h;
  };
  for (const m of records) {
    const probe = probes.get(m.id);
    if (!probe) continue;
    for (const id of probe.loaded) entry(id).loadedOn.add(m.id);
    for (const id of probe.stored) entry(id).storedOn.add(m.id);
  }
  const ids = [...holders.keys()].sort(compare);
  const documents: DashboardDocument[] = ids.slice(0, Math.max(0, maxDocuments)).map((id) => {
    const h = holders.get(id)!;
    return { id, loadedOn: [...h.loadedOn].sort(compare), storedOn: [...h.storedOn].sort(compare) };
  });

  return {
    epoch: view.epoch,
    vnodes: view.ring.vnodes,
    ring: [...view.ring.members].sort(compare),
    members,
    documents,
    documentsTotal: ids.length,
  };
}

/** Locale-independent string order (UTF-16 code units), as the ring sorts member ids. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
