import type { RingView } from '../../ring/index.ts';
import type { Clock } from '../clock.ts';
import type { PeerPool } from '../cluster/peer-client.ts';
import { possibleHolders } from '../cluster/targets.ts';
import type { RemoteCopies } from '../documents/registry.ts';
import type { NodeMetrics } from '../node-metrics.ts';
import type { ViewHistory } from './view-history.ts';

export interface PullOptions {
  readonly selfId: string;
  readonly replicas: number;
  readonly view: () => RingView | null;
  readonly history: ViewHistory;
  readonly pool: PeerPool;
  readonly clock: Clock;
  readonly metrics: NodeMetrics;
  /** How long one holder may take to answer (default 1 000 ms). */
  readonly timeoutMs?: number;
  /** Called with what each pull found (the simulation traces it). */
  readonly onPulled?: (
    docId: string,
    epoch: number,
    holders: string[],
    copies: RemoteCopies,
  ) => void;
}

/**
 * Pull on load (M1, M4): asks every node that may hold `docId` — its holders in the current
 * view and in the views seen before it — for their copy. Never rejects: holders that fail or
 * time out count as not answering.
 */
export function createPull(options: PullOptions): (docId: string) => Promise<RemoteCopies> {
  const timeoutMs = options.timeoutMs ?? 1000;
  return async (docId) => {
    const view = options.view();
    if (!view) return { copies: [], candidates: 0, answered: 0 };
    const holders = possibleHolders(
      options.history.views,
      view,
      docId,
      options.replicas,
      options.selfId,
    );
    const started = options.clock.now();
    const answers = await Promise.allSettled(
      holders.map((h) =>
        options.pool.request(h.internalUrl, { kind: 'fetch', docId }, view.epoch, timeoutMs),
      ),
    );
    const copies: Array<{ generation: string; state: Uint8Array }> = [];
    let answered = 0;
    for (const a of answers) {
      if (a.status !== 'fulfilled' || a.value.status !== 'ok') continue;
      answered++;
      if (a.value.doc) copies.push(a.value.doc);
    }
    options.metrics.pullSeconds.observe((options.clock.now() - started) / 1000);
    const result = { copies, candidates: holders.length, answered };
    options.onPulled?.(
      docId,
      view.epoch,
      holders.map((h) => h.id),
      result,
    );
    return result;
  };
}
