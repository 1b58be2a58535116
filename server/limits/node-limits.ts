import { systemClock } from '../clock.ts';
import { type AddressLimiter, createAddressLimiter } from './address-limiter.ts';
import { type ConnectionBudget, createConnectionBudget } from './connection-budget.ts';
import { createDocumentLimits, type DocumentLimits } from './document-limits.ts';
import { createNodeConnectionMeter, type NodeConnectionMeter } from './node-connection-meter.ts';
import type { LimitSettings } from './settings.ts';
import type { Clock } from './token-bucket.ts';

/** Every abuse limit of one node (P22), created per node (no module state). */
export interface NodeLimits {
  readonly settings: LimitSettings;
  /** New connections per remote address (checked when a socket opens). */
  readonly addresses: AddressLimiter;
  /** New connections to the whole node (C7: a neighbour's death is not a reconnect storm). */
  readonly node: NodeConnectionMeter;
  /** Document-wide inbound rate and maximum size. */
  readonly documents: DocumentLimits;
  /** A fresh per-connection budget (one per session). */
  connection(): ConnectionBudget;
}

/** Creates the limits of one node from `settings`; `now` is injectable for tests. */
export function createNodeLimits(settings: LimitSettings, now?: Clock): NodeLimits {
  const budgetClock = now ?? systemClock().now;
  return {
    settings,
    addresses: createAddressLimiter({
      attemptsPerSecond: settings.connectionAttemptsPerSecond,
      burst: settings.connectionAttemptBurst,
      maxTracked: settings.trackedAddresses,
      ...(now ? { now } : {}),
    }),
    node: createNodeConnectionMeter({
      perSecond: settings.nodeConnectionsPerSecond,
      burst: settings.nodeConnectionBurst,
      ...(now ? { now } : {}),
    }),
    documents: createDocumentLimits(settings, now),
    connection: () => createConnectionBudget(settings, budgetClock),
  };
}
