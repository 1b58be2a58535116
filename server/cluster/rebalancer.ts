import { routingKey } from '../../ring/core/routing-key.ts';
import type { RingView } from '../../ring/etcd/types.ts';
import type { Clock } from '../clock.ts';
import type { DocumentRegistry } from '../documents/registry.ts';
import type { Room } from '../documents/room.ts';
import type { Logger } from '../log.ts';
import { mergeUpdates } from '../persistence/merge-updates.ts';
import type { DocStore } from '../persistence/store.ts';
import type { PeerPool } from './peer-client.ts';
import { holdersOf, type Target } from './targets.ts';

export interface RebalancerOptions {
  readonly selfId: string;
  readonly replicas: number;
  readonly registry: DocumentRegistry;
  readonly store: DocStore;
  readonly pool: PeerPool;
  readonly log: Logger;
  readonly clock: Clock;
  readonly view: () => RingView | null;
  /** Sends the room's clients to its new owner (REDIRECT + close 4300). */
  readonly redirectClients: (room: Room, view: RingView) => void;
  /** Rooms served provisionally (P30): left alone until released. Default: none. */
  readonly provisional?: (room: Room) => boolean;
  /**
   * No pass runs while this returns true: fenced (the view may be behind the cluster, R6) or
   * still joining (a restarting node must not hand off the documents it is about to own).
   */
  readonly paused: () => boolean;
  /** Documents moved at once (default 4): a join must not stall the event loop. */
  readonly concurrency?: number;
}

export interface RebalanceProgress {
  readonly running: boolean;
  readonly movesInFlight: number;
  readonly moved: number;
  readonly failed: number;
  readonly lastPassMs: number;
}

export interface Rebalancer {
  /** Schedules a pass for the latest view (passes never overlap; changes during one re-run it). */
  schedule(): void;
  /** Resolves when no pass is running or scheduled. */
  idle(): Promise<void>;
  progress(): RebalanceProgress;
  stop(): void;
}

/**
 * Moves documents with the ring (DESIGN M1, M2, M3, M6). After every view change:
 * 1. each loaded document this node no longer owns: its whole state is pushed to the new
 *    owner (acknowledged durable), then its clients are redirected; updates still applied
 *    here are forwarded by the replicator (the tail) until the room empties and unloads;
 * 2. each stored document: its state is pushed to holders that joined its preference list;
 *    if this node is no longer a holder, it is deleted only after every holder acknowledged.
 * Loaded documents changing owner move first, those with the most connected clients first; at
 * most `concurrency` moves run at once.
 * A holder "joined" unless it was in the preference list of every view seen since the last
 * completed pass (the replicator may have skipped it under any of them, N3). No pass runs on
 * a view that does not yet show this node `active` or `draining` (a restarting node would
 * otherwise hand off and delete the copies it is about to hold).
 */
export function createRebalancer(options: RebalancerOptions): Rebalancer {
  const { selfId, replicas, registry, store, pool, log } = options;
  const concurrency = options.concurrency ?? 4;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let previous: RingView | null = null;
  /** Views seen since `previous` was completed (bounded; on overflow every holder is new). */
  let since: RingView[] = [];
  let inFlight = 0;
  let moved = 0;
  let failed = 0;
  let lastPassMs = 0;

  const noteView = () => {
    const view = options.view();
    if (!view || view === previous || view === since.at(-1)) return;
    since.push(view);
    if (since.length > 32) {
      previous = null;
      since = [];
    }
  };

  /** Holders of `key` in every view since the last completed pass (none after a restart). */
  const heldThroughout = (key: string, before: readonly RingView[] | null): Set<string> => {
    if (!before || before.length === 0) return new Set();
    const [first, ...rest] = before as [RingView, ...RingView[]];
    const held = new Set(first.ring.preferenceList(key, replicas));
    for (const view of rest) {
      const list = view.ring.preferenceList(key, replicas);
      for (const id of held) if (!list.includes(id)) held.delete(id);
    }
    return held;
  };

  const push = async (
    target: Target,
    docId: string,
    generation: string,
    state: Uint8Array,
    view: RingView,
  ) => {
    const epoch = view.epoch;
    const res = await pool.request(
      target.internalUrl,
      {
        kind: 'push',
        docId,
        generation,
        role: 'handoff',
        ring: view.ring.members.join(','),
        update: state,
      },
      epoch,
      30_000,
    );
    if (res.status === 'stale-epoch') {
      throw new Error(
        `${target.id} has a newer ring (epoch ${res.epoch} > ${epoch}); re-resolving`,
      );
    }
    if (res.status !== 'ok') throw new Error(`${target.id} refused ${docId}: ${res.message}`);
  };

  const moveRoom = async (room: Room, view: RingView, before: readonly RingView[] | null) => {
    const key = routingKey(room.docId);
    const owner = view.ring.ownerOf(key);
    const targets = holdersOf(view, room.docId, replicas, selfId);
    if (owner !== selfId && options.provisional?.(room)) {
      // P32: served provisionally for an owner still in the ring: its keeper hands it back.
      // The pass is not complete (the holders' diff must not move past this view).
      again = true;
      return;
    }
    const state = room.encode();
    if (owner !== selfId) {
      // The state goes first, clients after: the new owner answers the hand-off once the room
      // is loaded there (peer-service `loadOnHandoff`), so redirected clients find it ready
      // and redirects are paced by the new owner's loads. Clients keep editing here meanwhile
      // (their updates reach the new owner as the replicated tail); a failed push still
      // redirects them (the new owner then pulls this room's state on load, M3).
      const ownerTarget = targets.find((t) => t.id === owner);
      try {
        if (ownerTarget) await push(ownerTarget, room.docId, room.generation, state, view);
      } finally {
        options.redirectClients(room, view);
      }
      moved++;
      await room.durable().catch(() => {});
      // Unloaded, it is one more stored copy: the other holders get it, then it is deleted
      // (M6). Clients or writes still here: a later pass finishes the move.
      if (registry.unloadIfIdle(room)) await moveStored(room.docId, view, before);
      else again = true;
      return;
    }
    const had = heldThroughout(key, before);
    await Promise.all(
      targets
        .filter((t) => !had.has(t.id))
        .map((t) => push(t, room.docId, room.generation, state, view)),
    );
  };

  const moveStored = async (docId: string, view: RingView, before: readonly RingView[] | null) => {
    const pending = registry.pendingLoad(docId);
    const room =
      registry.get(docId) ?? (pending ? await pending.catch(() => undefined) : undefined);
    if (room) {
      await moveRoom(room, view, before);
      return;
    }
    const key = routingKey(docId);
    const list = view.ring.preferenceList(key, replicas);
    const mine = list.includes(selfId);
    const had = heldThroughout(key, before);
    const targets = holdersOf(view, docId, replicas, selfId).filter((t) => !mine || !had.has(t.id));
    if (targets.length === 0 && mine) return;
    const stored = await store.load(docId);
    if (!stored) return;
    const state = mergeUpdates(stored.updates);
    await Promise.all(targets.map((t) => push(t, docId, stored.generation, state, view)));
    // Delete only if the holders acknowledged under the ring that is still current (M5, M6).
    if (
      !mine &&
      targets.length > 0 &&
      !registry.get(docId) &&
      options.view()?.epoch === view.epoch
    ) {
      // Only the copy that was pushed: updates stored since (replication under a newer ring
      // this node has not seen yet) keep it, and the next pass pushes them too.
      if (!(await store.delete(docId, stored.bytes))) {
        again = true;
        return;
      }
      registry.forget(docId);
      moved++;
    }
  };

  const runLimited = async (tasks: Array<() => Promise<void>>) => {
    let next = 0;
    const worker = async () => {
      while (!stopped && next < tasks.length) {
        const task = tasks[next++] as () => Promise<void>;
        inFlight++;
        try {
          await task();
        } catch (error) {
          failed++;
          again = true;
          log.warn('document move failed; will retry on the next pass', { error });
        } finally {
          inFlight--;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };

  const pass = async () => {
    const view = options.view();
    if (!view || options.paused()) return;
    const self = view.members.get(selfId)?.state;
    if (self !== 'active' && self !== 'draining') return;
    noteView();
    const before = previous ? [previous, ...since] : null;
    const started = options.clock.now();
    // Rooms changing owner first (their editors wait for the hand-off), busiest first; rooms
    // kept here that only gained a holder after them (no editor waits on that copy).
    const leaving = (room: Room) => view.ring.ownerOf(routingKey(room.docId)) !== selfId;
    const rooms = [...registry.loadedRooms()]
      .map((room) => ({ room, leaving: leaving(room) }))
      .sort(
        (a, b) =>
          Number(b.leaving) - Number(a.leaving) || b.room.connectionCount - a.room.connectionCount,
      )
      .map(({ room }) => room);
    await runLimited(rooms.map((room) => () => moveRoom(room, view, before)));
    const moving = new Set(rooms.map((r) => r.docId));
    const ids = (await store.list()).filter((id) => !moving.has(id));
    await runLimited(ids.map((id) => () => moveStored(id, view, before)));
    if (!again) {
      previous = view;
      since = [];
    }
    lastPassMs = options.clock.now() - started;
  };

  const loop = async () => {
    do {
      again = false;
      try {
        await pass();
      } catch (error) {
        // e.g. the store cannot list its documents: retry, never leave `running` set forever.
        failed++;
        again = true;
        log.warn('rebalance pass failed; will retry', { error });
      }
      if (again && !stopped) await options.clock.sleep(500);
    } while (again && !stopped);
    running = null;
  };

  return {
    schedule() {
      if (stopped) return;
      noteView();
      if (running) {
        again = true;
        return;
      }
      running = loop();
    },
    async idle() {
      while (running) await running;
    },
    progress: () => ({
      running: running !== null,
      movesInFlight: inFlight,
      moved,
      failed,
      lastPassMs,
    }),
    stop() {
      stopped = true;
    },
  };
}
