import type { Ring } from '../core/types.ts';
import type { MemberRecord, MemberState } from './member-record.ts';

/** Minimal structured logger every component receives (no globals). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * One consistent view of the cluster membership (DESIGN R4).
 * `ring` is built from the `active` members only; `members` holds every registered
 * member (joining, active, draining) so routing can find URLs and dashboards can draw states.
 */
export interface RingView {
  readonly ring: Ring;
  /** etcd revision of the membership data this view was built from (the ring epoch). */
  readonly epoch: number;
  readonly members: ReadonlyMap<string, MemberRecord>;
}

/** A live, self-healing view of `<prefix>members/` (DESIGN R5). */
export interface MembershipWatcher {
  /** Latest view, or `null` before the first successful list. */
  current(): RingView | null;
  /** Resolves with the first view (retrying etcd with backoff until it answers). */
  ready(): Promise<RingView>;
  /**
   * Resolves `true` once `current().epoch >= epoch`, or `false` after `timeoutMs`
   * (DESIGN C3: bounded wait before an owner decision).
   */
  waitForEpoch(epoch: number, timeoutMs: number): Promise<boolean>;
  /** Subscribe to every new view; returns an unsubscribe function. */
  onChange(listener: (view: RingView, previous: RingView | null) => void): () => void;
  /** Async iterator of views, starting with the current one when available. */
  [Symbol.asyncIterator](): AsyncIterator<RingView>;
  close(): Promise<void>;
}

/** This process's registration in the cluster (DESIGN R6). */
export interface Membership {
  readonly id: string;
  record(): MemberRecord;
  /** Rewrites the member record with a new state (joining → active → draining). */
  setState(state: MemberState): Promise<void>;
  /** True while keepalives have not been acknowledged for TTL − 1 s (or before registration). */
  isFenced(): boolean;
  /** Called with `true` when the member fences itself and `false` when it has registered again. */
  onFenceChange(listener: (fenced: boolean) => void): () => void;
  /** Revokes the lease (the member record disappears at once) and stops keepalives. */
  leave(): Promise<void>;
}

/** A live view of `<prefix>config/` values (strings). */
export interface ConfigWatcher {
  get(name: string): string | undefined;
  ready(): Promise<void>;
  onChange(listener: (name: string, value: string | undefined) => void): () => void;
  close(): Promise<void>;
}
