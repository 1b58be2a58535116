/** Lifecycle states of a member (DESIGN §1, M1, M2). Only `active` members are in the ring. */
export type MemberState = 'joining' | 'active' | 'draining';

/** The JSON value stored at `<prefix>members/<id>`, written with the member's lease. */
export interface MemberRecord {
  readonly id: string;
  /** Base URL clients use, e.g. `ws://127.0.0.1:4001` (http(s) URLs derived by scheme swap). */
  readonly publicUrl: string;
  /** Base URL other nodes use for the internal channel. */
  readonly internalUrl: string;
  /** Server build identifier. */
  readonly build: string;
  /** Inclusive range of client protocol versions this member speaks. */
  readonly protocol: { readonly min: number; readonly max: number };
  readonly state: MemberState;
  /** ms since epoch when this process started (diagnostics). */
  readonly startedAt: number;
}
