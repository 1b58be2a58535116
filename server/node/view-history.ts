import type { RingView } from '../../ring/index.ts';

/** The views a node saw before its current one, newest first (bounded). */
export interface ViewHistory {
  /** Records the view that was replaced. */
  note(previous: RingView | null): void;
  /** Earlier views, newest first. */
  readonly views: readonly RingView[];
}

/**
 * Keeps the last `limit` (default 8) replaced views: a document loaded after a ring change
 * may still sit on holders of an earlier view (`possibleHolders`, M1/M4).
 */
export function createViewHistory(limit = 8): ViewHistory {
  const views: RingView[] = [];
  return {
    note(previous) {
      if (!previous) return;
      views.unshift(previous);
      if (views.length > limit) views.pop();
    },
    views,
  };
}
