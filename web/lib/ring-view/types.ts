import type { MemberState } from '../../../ring/index.ts';

export type { MemberState };

/** What one node answered to the last probe of its `/ring` stats and `/docs`. */
export interface NodeProbe {
  /** Client connections open on the node (`/ring` → `stats.connections`). */
  readonly connections: number;
  /** Documents loaded in memory (`/docs` → `loaded`). */
  readonly loaded: readonly string[];
  /** Documents stored on the node's disk (`/docs` → `stored`). */
  readonly stored: readonly string[];
}

/** Per-node load as drawn by the dashboard. */
export interface MemberLoad {
  readonly loaded: number;
  readonly stored: number;
  readonly connections: number;
}

/** One registered member (any state) as the dashboard shows it. */
export interface DashboardMember {
  readonly id: string;
  readonly state: MemberState;
  readonly url: string;
  readonly build: string;
  readonly startedAt: number;
  /** `null` when the node did not answer the last probe (dead, paused or just starting). */
  readonly load: MemberLoad | null;
}

/** A document some node holds, and where. */
export interface DashboardDocument {
  readonly id: string;
  /** Members holding it in memory, sorted. */
  readonly loadedOn: readonly string[];
  /** Members holding it on disk, sorted. */
  readonly storedOn: readonly string[];
}

/**
 * The compact picture the server streams to the ops page (DESIGN W5): the ring (epoch, active
 * members, vnodes), every registered member with its state and load, and the documents the
 * nodes reported. Plain JSON; equal pictures serialise to equal strings.
 */
export interface RingSnapshot {
  readonly epoch: number;
  readonly vnodes: number;
  /** Active members (those in the ring), sorted. */
  readonly ring: readonly string[];
  /** Every registered member, sorted by id. */
  readonly members: readonly DashboardMember[];
  /** Documents sorted by id, at most `maxDocuments` of them. */
  readonly documents: readonly DashboardDocument[];
  /** How many distinct documents the nodes reported (≥ `documents.length`). */
  readonly documentsTotal: number;
}
