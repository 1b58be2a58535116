/**
 * DESIGN §7 figures that need live rebalancing (M1 join hand-off, M2 drain). `bench/moves`
 * (run by the full benchmark) measures them on a real cluster and its lines replace these
 * rows; when it is not run (`--quick`) or fails, these rows stand in, with the plan each
 * measurement follows (rebalancing has landed; only a failed `bench/moves` leaves them empty). The ring-level movement figure (keys moved on a join, pure function)
 * is measured by bench/ring, the crash figure at TTL 5 s by `items/crash.ts`.
 */

export interface PendingItem {
  readonly metric: string;
  readonly goal: string;
  /** How the figure will be measured, step by step. */
  readonly plan: string;
}

export const REBALANCING_ITEMS: readonly PendingItem[] = [
  {
    metric: 'planned move: per-doc write pause p99',
    goal: '< 200 ms',
    plan:
      '3-node cluster + 2 editors on each of 300 docs typing at 2 updates/s; start node n4 ' +
      '(M1 join) while typing; per doc, the write pause is the longest gap between consecutive ' +
      'propagated updates of that doc from 1 s before the ring change until every doc has moved ' +
      '(editors follow REDIRECT); report p99 over the moved docs.',
  },
  {
    metric: 'planned move: 160 KB (B4-trace) doc move time',
    goal: '< 50 ms',
    plan:
      'one doc built from a ~260,000-keystroke typing trace (bench/lib/trace.ts, encoded ~160 KB); ' +
      'drain its owner (M2) and time from the drain start to the new owner acknowledging the ' +
      'hand-off (node metric/log line), median of 5; floor: memcpy + one loopback round trip ' +
      'of 160 KB.',
  },
  {
    metric: 'docs moved on join N->N+1 (live cluster)',
    goal: '<= 1.05 x D/(N+1), 0 moved between survivors',
    plan:
      '3-node cluster with D = 3,000 stored docs; add n4; after the hand-off, count docs whose ' +
      'stored copy changed node (GET /documents on every node before and after) and docs that ' +
      'moved between n1..n3; compare with D/4. Ring-level figure: bench/ring.',
  },
];

/** What a full run prints for these items when `bench/moves` produced no figures. */
export const NOT_MEASURED = 'not measured: bench/moves failed in this run (see its output above)';
