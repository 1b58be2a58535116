import type { MemberRecord, Membership, RingView } from '../../ring/index.ts';

/**
 * Everything a node asks of the cluster's coordination service, and nothing more: the
 * membership view and this node's registration (R4–R6), live cluster settings (C6), drain
 * requests (M2) and pre-warm markers (M1): nothing whose size grows with the number of
 * documents (R7; share links and their revocations live with each document, `server/meta/`). Implemented over etcd (`etcd-coordination.ts`) and simulated for the
 * convergence fuzz (`server/cluster/testing/sim-coordination.ts`); both pass
 * `coordination.contract.ts`.
 */
export interface Coordination {
  /** Starts the watches; resolves once the membership view and the settings are in. */
  start(): Promise<void>;
  /** The latest membership view, or `null` before the first one. */
  view(): RingView | null;
  /** Called with every new view; returns an unsubscribe function. */
  onView(listener: (view: RingView, previous: RingView | null) => void): () => void;
  /** Resolves `true` once the view's epoch is at least `epoch`, `false` after `timeoutMs` (C3). */
  waitForEpoch(epoch: number, timeoutMs: number): Promise<boolean>;
  /** A live cluster setting (`config/<name>`), or `undefined`. */
  setting(name: string): string | undefined;
  /** Called with the name of every setting that changed; returns an unsubscribe function. */
  onSetting(listener: (name: string) => void): () => void;
  /** Registers this node under a lease (R6); the record is rewritten with `setState`. */
  register(record: MemberRecord, ttlSeconds: number): Promise<Membership>;
  /**
   * Calls `listener` when a drain of `nodeId` is requested, and at once if one is pending.
   * Resolves once watching; the returned function stops it.
   */
  onDrainRequest(nodeId: string, listener: () => void): Promise<() => void>;
  /** Removes a pending drain request of `nodeId` (after the drain). */
  clearDrainRequest(nodeId: string): Promise<void>;
  /** `owner` pushed `joiner` every document it will own (M1). */
  markPrewarmed(joiner: string, owner: string, epoch: number): Promise<void>;
  /** The owners that marked `joiner` pre-warmed. */
  prewarmedBy(joiner: string): Promise<string[]>;
  /** Removes every pre-warm marker of `joiner`. */
  clearPrewarm(joiner: string): Promise<void>;
  /** Stops every watch; does not revoke a registration (`Membership.leave` does). */
  close(): Promise<void>;
}

/** A share link's state, as its document keeps it: tickets only for `live` links (P21). */
export type LinkStatus =
  | {
      readonly state: 'live';
      /** The document the link opens. */
      readonly doc: string;
      readonly perm: 'owner' | 'edit' | 'view';
    }
  | { readonly state: 'revoked' }
  /** The document has no such link (never created). */
  | { readonly state: 'absent' };
