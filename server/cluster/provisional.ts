import * as Y from 'yjs';
import { routingKey } from '../../ring/core/routing-key.ts';
import type { RingView } from '../../ring/etcd/types.ts';
import type { Clock } from '../clock.ts';
import type { Room } from '../documents/room.ts';
import type { Logger } from '../log.ts';
import type { PeerPool } from './peer-client.ts';

/**
 * What a node does with a client that names a `suspect` (P30, DESIGN M8): the node it lost.
 * - `none`: the suspect is not the document's owner in this node's view: route as usual.
 * - `serve`: this node is the next holder: serve the document provisionally.
 * - `forward`: this node is the next holder and reached the owner a moment ago: only the
 *   client's path to it is cut, so the client is forwarded to the owner (C10).
 * - `redirect`: another node is the next holder: go there (the client keeps its suspect).
 */
export type ProvisionalDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'serve'; readonly owner: string }
  | { readonly kind: 'forward'; readonly owner: string }
  | {
      readonly kind: 'redirect';
      readonly owner: string;
      readonly url: string;
      readonly epoch: number;
    };

/**
 * Pure: the provisional routing of `docId` for a client that lost the nodes in `suspects`
 * (P30, P34). P30 applies when the owner is one of them. The next holder is the first member
 * of the document's preference list after the owner that has a member record and is not a
 * suspect (a client that also lost the provisional holder skips it); `ownerReachable` says
 * this node exchanged state with the owner recently.
 */
export function decideProvisional(
  view: RingView | null,
  selfId: string,
  docId: string,
  suspects: readonly string[],
  replicas: number,
  ownerReachable: boolean,
): ProvisionalDecision {
  if (!view) return { kind: 'none' };
  const list = view.ring.preferenceList(
    routingKey(docId),
    Math.max(2, replicas) + Math.max(0, suspects.length - 1),
  );
  const owner = list[0];
  if (owner === undefined || !suspects.includes(owner) || owner === selfId) return { kind: 'none' };
  const next = list.slice(1).find((id) => view.members.has(id) && !suspects.includes(id));
  if (next === undefined) return { kind: 'none' };
  if (next === selfId)
    return ownerReachable ? { kind: 'forward', owner } : { kind: 'serve', owner };
  const record = view.members.get(next);
  if (!record) return { kind: 'none' };
  return { kind: 'redirect', owner: next, url: record.publicUrl, epoch: view.epoch };
}

export interface ProvisionalOptions {
  readonly selfId: string;
  readonly replicas: number;
  readonly view: () => RingView | null;
  readonly pool: PeerPool;
  readonly clock: Clock;
  readonly log: Logger;
  /** A fenced node exchanges nothing (it may be behind the cluster). */
  readonly isFenced: () => boolean;
  /** The loaded room of `docId`, loading it if needed (after a fence dropped it, say). */
  readonly room: (docId: string) => Promise<Room>;
  /** Sends the clients of `room` to its owner in `view` (redirect, or forward for C10). */
  readonly redirectClients: (room: Room, view: RingView) => void;
  /** A document stopped being provisional (promoted or handed back): the rebalancer takes over. */
  readonly onReleased?: (docId: string) => void;
  /** How often provisional rooms try to reach their owner (default 250 ms). */
  readonly intervalMs?: number;
  /** How long one request to the owner may take (default 1 000 ms). */
  readonly timeoutMs?: number;
  /** How long an exchange with an owner counts as "reachable" (default 3 000 ms). */
  readonly reachableMs?: number;
  /** How long the check before a P33 forward waits for the owner (default 500 ms). */
  readonly probeTimeoutMs?: number;
}

/** The provisional holder's side of M8 on one node. */
export interface Provisional {
  /** The routing of a client that lost `suspects` (see {@link decideProvisional}). */
  decide(docId: string, suspects: readonly string[]): ProvisionalDecision;
  /**
   * P33 before forwarding: asks the owner of `docId` for its copy (short time-out). True: it
   * answered (still reachable). False: it did not — it is forgotten as reachable, so the
   * client is served provisionally instead of being forwarded to a dead owner.
   */
  confirmReachable(docId: string): Promise<boolean>;
  /** `room` is now served provisionally for its `owner`. */
  track(room: Room, owner: string): void;
  /** Whether `room` is served provisionally (the rebalancer and the idle sweep leave it alone). */
  holds(room: Room): boolean;
  /** Number of rooms served provisionally. */
  readonly size: number;
  stop(): void;
}

interface Entry {
  readonly docId: string;
  readonly owner: string;
  busy: boolean;
}

/**
 * Creates the provisional keeper (P30–P33): every `intervalMs` each provisional room checks
 * the ring. Owner dropped from the ring and this node now the owner: the room simply stays
 * (promotion). Owner still in the ring: the room fetches the owner's copy and merges it,
 * pushes its whole state to the owner (which answers once durable), and fetches again; once
 * both state vectors are equal its clients are sent back and the room is released. An owner
 * that does not answer leaves the room serving; nothing is deleted here (M6 stays with the
 * rebalancer, which sees the room again once released).
 */
export function createProvisional(options: ProvisionalOptions): Provisional {
  const intervalMs = options.intervalMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 1000;
  const reachableMs = options.reachableMs ?? 3000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 500;
  const entries = new Map<string, Entry>();
  const reachedAt = new Map<string, number>();
  let cancel: (() => void) | null = null;
  let stopped = false;

  const release = (entry: Entry, why: string) => {
    entries.delete(entry.docId);
    options.log.info('provisional room released', { docId: entry.docId, why });
    if (entries.size === 0 && cancel) {
      cancel();
      cancel = null;
    }
    options.onReleased?.(entry.docId);
  };

  const fetchOwner = async (url: string, docId: string, epoch: number, ms = timeoutMs) => {
    const res = await options.pool.request(url, { kind: 'fetch', docId }, epoch, ms);
    if (res.status !== 'ok') throw new Error(`owner refused fetch: ${res.message ?? res.status}`);
    return res.doc ?? null;
  };

  /** One exchange with the owner; true once both copies are equal. */
  const exchange = async (entry: Entry, room: Room, view: RingView): Promise<boolean> => {
    const record = view.members.get(entry.owner);
    if (!record) return false;
    const theirs = await fetchOwner(record.internalUrl, room.docId, view.epoch);
    if (theirs && theirs.generation !== room.generation) {
      options.log.error('owner holds another generation; not merging (M7)', {
        docId: room.docId,
        ours: room.generation,
        theirs: theirs.generation,
      });
      return false;
    }
    if (theirs) room.applyRemote(theirs.state);
    const res = await options.pool.request(
      record.internalUrl,
      {
        kind: 'push',
        docId: room.docId,
        generation: room.generation,
        role: 'replicate',
        update: Y.encodeStateAsUpdate(room.doc),
      },
      view.epoch,
      timeoutMs,
    );
    if (res.status !== 'ok') return false;
    const after = await fetchOwner(record.internalUrl, room.docId, view.epoch);
    if (!after) return false;
    reachedAt.set(entry.owner, options.clock.now());
    return sameStateVector(
      Y.decodeStateVector(Y.encodeStateVector(room.doc)),
      Y.decodeStateVector(Y.encodeStateVectorFromUpdate(after.state)),
    );
  };

  // One-shot timers, re-armed while a document is provisional: work still to do (a
  // simulation counts it as pending until every document was handed back or promoted).
  const schedule = () => {
    if (cancel !== null || stopped || entries.size === 0) return;
    cancel = options.clock.after(intervalMs, () => {
      cancel = null;
      for (const entry of [...entries.values()]) check(entry);
      schedule();
    });
  };

  const check = (entry: Entry) => {
    // A fenced node waits (R6): its rooms were dropped; once it is back the room is loaded
    // again (pull on load merges every holder's copy) and the exchange resumes.
    if (entry.busy || stopped || options.isFenced()) return;
    const view = options.view();
    if (!view) return;
    const owner = view.ring.ownerOf(routingKey(entry.docId));
    if (owner === options.selfId) {
      release(entry, 'the ring dropped the owner: this node is the owner now');
      return;
    }
    if (owner !== entry.owner) {
      // The ring moved the document elsewhere: the ordinary move (M3) takes over.
      release(entry, `the document moved to ${owner}`);
      return;
    }
    entry.busy = true;
    const run = async () => {
      const room = await options.room(entry.docId);
      if (!(await exchange(entry, room, view))) return;
      if (stopped || entries.get(entry.docId) !== entry) return;
      // Everything acknowledged here is durable on the owner too: send the clients back.
      await room.durable().catch(() => {});
      const now = options.view();
      if (!now || now.ring.ownerOf(routingKey(entry.docId)) !== entry.owner) return;
      release(entry, 'owner reachable and copies equal: clients sent back');
      options.redirectClients(room, now);
    };
    run()
      .catch(() => {
        // The owner did not answer (or the room could not load): keep serving; try again.
      })
      .finally(() => {
        entry.busy = false;
      });
  };

  return {
    async confirmReachable(docId) {
      const view = options.view();
      const owner = view?.ring.ownerOf(routingKey(docId));
      const record = owner == null ? undefined : view?.members.get(owner);
      if (!view || owner == null || !record) return false;
      try {
        await fetchOwner(record.internalUrl, docId, view.epoch, probeTimeoutMs);
        reachedAt.set(owner, options.clock.now());
        return true;
      } catch {
        reachedAt.delete(owner);
        return false;
      }
    },
    decide(docId, suspects) {
      const view = options.view();
      const owner = view?.ring.ownerOf(routingKey(docId));
      const at = owner == null ? undefined : reachedAt.get(owner);
      const reachable = at !== undefined && options.clock.now() - at < reachableMs;
      return decideProvisional(view, options.selfId, docId, suspects, options.replicas, reachable);
    },
    track(room, owner) {
      if (stopped || entries.has(room.docId)) return;
      entries.set(room.docId, { docId: room.docId, owner, busy: false });
      options.log.info('serving provisionally', { docId: room.docId, owner });
      schedule();
    },
    holds: (room) => entries.has(room.docId),
    get size() {
      return entries.size;
    },
    stop() {
      stopped = true;
      cancel?.();
      cancel = null;
      entries.clear();
    },
  };
}

/** Whether two state vectors name the same clocks (order-independent). */
export function sameStateVector(a: Map<number, number>, b: Map<number, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [client, clock] of a) if (b.get(client) !== clock) return false;
  return true;
}
