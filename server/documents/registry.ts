import * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import type { Replicate } from '../cluster/replicator.ts';
import type { Logger } from '../log.ts';
import type { NodeMetrics } from '../node-metrics.ts';
import type { DocStore } from '../persistence/store.ts';
import type { Broadcaster } from './connection.ts';
import { Room, type RoomDeps } from './room.ts';

/** A document could not be loaded; no empty document was created in its place (N1). */
export class DocumentLoadError extends Error {
  override readonly name = 'DocumentLoadError';
  constructor(
    readonly docId: string,
    override readonly cause: unknown,
  ) {
    super(
      `document ${JSON.stringify(docId)} cannot be loaded: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

export interface RegistryOptions {
  readonly store: DocStore;
  readonly broadcaster: Broadcaster;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  readonly clock: Clock;
  /** Heap in use (bytes), checked against `heapHighWaterBytes` by the sweep. */
  readonly heapUsed: () => number;
  readonly maxAwarenessBytes: number;
  /** Rooms the idle sweep must keep loaded (P32: served provisionally). Default: none. */
  readonly pinned?: (room: Room) => boolean;
  /** Idle (no connections) documents are unloaded after this delay. */
  readonly idleUnloadMs: number;
  /**
   * A loaded document whose Y.Doc went unused this long (editors attached or not) is kept
   * encoded until it is edited or read again (issue 14). Default 30 s.
   */
  readonly idleEncodeMs?: number;
  /** Total bytes of encoded unloaded documents kept in memory (LRU). */
  readonly encodedCacheBytes: number;
  /**
   * Whether an unloaded document's encoded state goes into that cache (default: every one).
   * False for documents read rarely and only from the store (version history, W6): an attached
   * idle document would otherwise keep its history's copy of it in memory (issue 14).
   */
  readonly cacheUnloaded?: (docId: string) => boolean;
  /** Heap above which idle documents are unloaded at once. */
  readonly heapHighWaterBytes: number;
  /** Streams each update to the document's other holders (N3); absent: local only. */
  readonly replicate?: Replicate;
  /** Fetches the copies other nodes hold (pull on load, M1/M4); absent: none. */
  readonly pullRemote?: (docId: string) => Promise<RemoteCopies>;
  /** Closes the connections of a room whose storage failed (with "retry"). */
  readonly onRoomFault: (room: Room) => void;
  /** Called with every room once it is registered (version history watches it, W6). */
  readonly onRoomOpened?: (room: Room) => void;
}

/** What other holders answered for one document. */
export interface RemoteCopies {
  readonly copies: ReadonlyArray<{ readonly generation: string; readonly state: Uint8Array }>;
  /** How many possible holders there were, and how many answered. */
  readonly candidates: number;
  readonly answered: number;
}

const NO_REMOTE: RemoteCopies = { copies: [], candidates: 0, answered: 0 };

/**
 * The generation of every document created fresh (M7). A generation other than this one comes
 * only from data written before it existed (random ids) and is kept as it is.
 */
export const GENESIS_GENERATION = 'genesis';

/** A Yjs update with no content: stores a new document's generation (M7). */
const EMPTY_UPDATE = Uint8Array.of(0, 0);

const DEFAULT_IDLE_ENCODE_MS = 30_000;

/**
 * An idle document is compacted once it holds this many stored updates beside its snapshot.
 * Fewer cost less to read back on its next load than a snapshot costs to write (a directory, a
 * file and two fsyncs): 2,000 clients opening 1,000 new documents would otherwise write 1,000
 * snapshots of one empty update each (issue 14). The journal still compacts them all when it
 * retires their segment.
 */
export const IDLE_COMPACT_MIN_ENTRIES = 64;

interface Encoded {
  readonly state: Uint8Array;
  readonly generation: string;
}

/**
 * The documents a node holds (N1): each is loaded once however many clients join at once;
 * idle ones are unloaded to their encoded form (and dropped from memory under pressure);
 * a failed load rejects with `DocumentLoadError` and leaves nothing behind.
 */
export class DocumentRegistry {
  private readonly rooms = new Map<string, Room>();
  /** Documents whose room was dropped before all its updates reached the other holders (N3). */
  private readonly needsRepair = new Set<string>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly encoded = new Map<string, Encoded>();
  private encodedBytes = 0;
  /** Idle documents waiting for their background compaction, and whether one is running. */
  private readonly idleCompactions = new Set<string>();
  private compacting = false;
  private stopSweep: (() => void) | null = null;

  /** What every room gets: one object for all of them, not one per room (issue 14). */
  private readonly roomDeps: RoomDeps;

  constructor(private readonly options: RegistryOptions) {
    this.roomDeps = {
      store: options.store,
      broadcaster: options.broadcaster,
      log: options.log,
      metrics: options.metrics,
      clock: options.clock,
      maxAwarenessBytes: options.maxAwarenessBytes,
      awarenessExpiry: 'caller',
      ...(options.replicate ? { replicate: options.replicate } : {}),
      onFault: this.roomFaulted.bind(this),
    };
  }

  private roomFaulted(faulted: Room): void {
    if (this.rooms.get(faulted.docId) === faulted) this.rooms.delete(faulted.docId);
    this.options.onRoomFault(faulted);
    this.discard(faulted);
  }

  get loadedCount(): number {
    return this.rooms.size;
  }

  /** Loaded rooms holding a live Y.Doc (the others hold their state encoded, issue 14). */
  get hydratedCount(): number {
    let n = 0;
    for (const room of this.rooms.values()) if (room.isHydrated) n++;
    return n;
  }

  get encodedCount(): number {
    return this.encoded.size;
  }

  /** Loaded rooms (for fencing, shutdown and metrics). */
  loadedRooms(): IterableIterator<Room> {
    return this.rooms.values();
  }

  get(docId: string): Room | undefined {
    return this.rooms.get(docId);
  }

  /** The load under way for `docId`, if any. */
  pendingLoad(docId: string): Promise<Room> | undefined {
    return this.loading.get(docId);
  }

  /** Unloads `room` now if nobody is connected and nothing is pending; returns whether it did. */
  unloadIfIdle(room: Room): boolean {
    if (this.rooms.get(room.docId) !== room || room.connectionCount > 0 || room.hasPendingWrites)
      return false;
    this.unload(room);
    return true;
  }

  /** Forgets the encoded copy of an unloaded document (after it was handed off and deleted). */
  forget(docId: string): void {
    const entry = this.encoded.get(docId);
    if (!entry) return;
    this.encoded.delete(docId);
    this.encodedBytes -= entry.state.length;
  }

  /** Drops every loaded room and cached state without saving (fencing: they may be stale). */
  dropAll(): void {
    for (const room of this.rooms.values()) this.discard(room);
    this.rooms.clear();
    this.dropEncoded(0);
  }

  /** The loaded room of `docId`, loading it once if needed. */
  acquire(docId: string): Promise<Room> {
    const room = this.rooms.get(docId);
    if (room) return Promise.resolve(room);
    let pending = this.loading.get(docId);
    if (!pending) {
      pending = this.load(docId).finally(() => this.loading.delete(docId));
      this.loading.set(docId, pending);
    }
    return pending;
  }

  /**
   * Called after a client's catch-up (its SyncStep2) was applied to `room`: a room nobody
   * edited live within the idle window is kept encoded at once, and compacted, instead of
   * holding a Y.Doc until the window passes (issue 14: hydrated only while edited). Clients
   * that open a document and read it, or reconnect to it, leave no Y.Doc behind; the first
   * keystroke hydrates it again. The second catch-up within the window that changed the
   * document counts as an edit (`markEdited`).
   */
  settleCatchUp(room: Room, now = this.options.clock.now()): void {
    if (this.rooms.get(room.docId) !== room || !room.isHydrated) return;
    const window = this.options.idleEncodeMs ?? DEFAULT_IDLE_ENCODE_MS;
    if (now - room.lastEdited < window) return;
    // A second catch-up with changes within the window: clients are reconnecting with edits of
    // their own (after a failover, say), and are likely to type. Kept hydrated for them, as
    // after a live edit, instead of being rebuilt and encoded again for each.
    if (now - room.priorChangingCatchUp < window) {
      room.markEdited();
      return;
    }
    if (room.encodeDoc()) this.compactIdle(room.docId);
  }

  /** Starts the idle sweep (every second). */
  start(): void {
    this.stopSweep ??= this.options.clock.every(1000, () => this.sweep());
  }

  /**
   * Unloads idle rooms past their delay, or every idle room when the heap is high; encodes the
   * Y.Doc of rooms unused for `idleEncodeMs`; drops awareness states nobody renewed for 30 s
   * (the one timer of every room's awareness: y-protocols would run one per document); and
   * while the heap stays high, encodes the coldest hydrated rooms first until it is back under
   * the high-water mark.
   */
  sweep(now = this.options.clock.now()): void {
    const pressure = this.options.heapUsed() > this.options.heapHighWaterBytes;
    const encodeAfter = this.options.idleEncodeMs ?? DEFAULT_IDLE_ENCODE_MS;
    for (const room of [...this.rooms.values()]) {
      const unloadable =
        room.connectionCount === 0 && !room.hasPendingWrites && !this.options.pinned?.(room);
      if (unloadable && (pressure || now - room.lastActive >= this.options.idleUnloadMs)) {
        const faulted = room.isFaulted;
        this.unload(room);
        if (!faulted) this.compactIdle(room.docId);
      } else if (room.isHydrated && now - room.lastUsed >= encodeAfter && room.encodeDoc()) {
        this.compactIdle(room.docId);
      }
      room.expireAwareness();
    }
    if (pressure) {
      this.dropEncoded(0);
      this.shedColdest();
    }
  }

  /**
   * A room gone idle (kept encoded, or unloaded by the sweep) is compacted in the background
   * too, once it holds `IDLE_COMPACT_MIN_ENTRIES` stored updates: they become one snapshot, so
   * the store holds no long list of them beside the room's encoded state (the memory store keeps
   * them in memory; the journal keeps its entries on disk only, and its next load reads one
   * snapshot instead of every entry).
   */
  private compactIdle(docId: string): void {
    this.idleCompactions.add(docId);
    if (!this.compacting) void this.compactQueued();
  }

  /**
   * Runs the queued idle compactions one at a time: a sweep that encodes or unloads hundreds
   * of rooms at once starts no burst of hundreds of concurrent reads, merges and writes.
   */
  private async compactQueued(): Promise<void> {
    this.compacting = true;
    try {
      for (let docId = first(this.idleCompactions); docId !== undefined; ) {
        this.idleCompactions.delete(docId);
        try {
          await this.options.store.compact(docId, { minEntries: IDLE_COMPACT_MIN_ENTRIES });
        } catch (error) {
          this.options.log.warn(
            'compaction of an idle document failed (retried when compacted next)',
            { docId, error },
          );
        }
        docId = first(this.idleCompactions);
      }
    } finally {
      this.compacting = false;
    }
  }

  /** Encodes hydrated rooms, least recently used first, while the heap is above high water. */
  private shedColdest(): void {
    const hydrated = [...this.rooms.values()].filter((room) => room.isHydrated);
    hydrated.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const room of hydrated) {
      if (this.options.heapUsed() <= this.options.heapHighWaterBytes) return;
      room.encodeDoc();
    }
  }

  /** Waits for pending writes of every room, then stops the sweep and drops everything. */
  async stop(): Promise<void> {
    this.stopSweep?.();
    this.stopSweep = null;
    await Promise.allSettled([...this.rooms.values()].map((room) => room.durable()));
    for (const room of this.rooms.values()) this.discard(room);
    this.rooms.clear();
    this.dropEncoded(0);
  }

  private unload(room: Room): void {
    this.rooms.delete(room.docId);
    if (!room.isFaulted && (this.options.cacheUnloaded?.(room.docId) ?? true)) {
      const state = room.encode();
      this.encoded.set(room.docId, { state, generation: room.generation });
      this.encodedBytes += state.length;
      this.dropEncoded(this.options.encodedCacheBytes);
    }
    this.discard(room);
  }

  /** Destroys a room, remembering whether its next load must repair the other holders. */
  private discard(room: Room): void {
    if (room.hasUnreplicated) this.needsRepair.add(room.docId);
    room.destroy();
  }

  private dropEncoded(limit: number): void {
    for (const [docId, entry] of this.encoded) {
      if (this.encodedBytes <= limit) break;
      this.encoded.delete(docId);
      this.encodedBytes -= entry.state.length;
    }
  }

  private async load(docId: string): Promise<Room> {
    const started = this.options.clock.now();
    try {
      return await this.loadUntimed(docId);
    } finally {
      this.options.metrics.loadSeconds.observe((this.options.clock.now() - started) / 1000);
    }
  }

  private async loadUntimed(docId: string): Promise<Room> {
    const remotePromise = this.options.pullRemote?.(docId) ?? Promise.resolve(NO_REMOTE);
    const cached = this.encoded.get(docId);
    const doc = new Y.Doc();
    let generation: string | undefined;
    let hadLocal = false;
    if (cached) {
      this.encoded.delete(docId);
      this.encodedBytes -= cached.state.length;
      Y.applyUpdate(doc, cached.state);
      generation = cached.generation;
      hadLocal = true;
    } else {
      let stored: Awaited<ReturnType<DocStore['load']>>;
      try {
        stored = await this.options.store.load(docId);
      } catch (error) {
        doc.destroy();
        this.options.metrics.loadFailures.inc();
        throw new DocumentLoadError(docId, error);
      }
      try {
        if (stored) {
          doc.transact(() => {
            for (const update of stored.updates) Y.applyUpdate(doc, update);
          });
          generation = stored.generation;
          hadLocal = true;
        }
      } catch (error) {
        doc.destroy();
        this.options.metrics.loadFailures.inc();
        throw new DocumentLoadError(docId, error);
      }
    }
    // With a copy of its own (a replica, a pre-warmed or handed-off document) the room serves
    // at once and the other holders' copies are merged when they answer: Yjs merges are
    // idempotent, clients get what the pull adds as an ordinary update, and nothing waits for
    // the slowest holder during a move. Without one, the pull decides the generation (M7).
    if (hadLocal && generation !== undefined) {
      const room = this.open(docId, generation, doc);
      if (room.doc !== doc) return room;
      void remotePromise
        .catch(() => NO_REMOTE)
        .then((remote) => {
          if (this.rooms.get(docId) === room) this.mergeRemote(room, remote);
        });
      return room;
    }
    const remote = await remotePromise.catch(() => NO_REMOTE);
    if (!hadLocal && remote.candidates > 0 && remote.answered === 0) {
      doc.destroy();
      this.options.metrics.loadFailures.inc();
      throw new DocumentLoadError(
        docId,
        new Error('no other holder of the document answered; retry'),
      );
    }
    // M7 without a cluster-wide record (R7): a document no copy answered for starts at the
    // genesis generation, the one every fresh document has. Its holders, if they were only out
    // of reach, come back with copies of that same generation and merge in; nothing is re-created
    // under another generation by accident (PROTOCOL.md I7).
    generation ??= pickGeneration(remote) ?? GENESIS_GENERATION;
    if (!hadLocal) {
      // M7: HELLO announces the generation and hand-offs carry it, so it is made durable
      // before anyone sees it: a document that moves, or whose owner dies, before its first
      // edit keeps its generation. Replicated first (N3): an owner that dies in between
      // leaves it where the next owner looks, not only on its own disk.
      try {
        await this.options.replicate?.(docId, generation, EMPTY_UPDATE);
        await this.options.store.append(docId, EMPTY_UPDATE, generation);
        // A hand-off or replicated update may have reached the store first: its generation
        // (and state) wins over the one just picked.
        const written = await this.options.store.load(docId);
        if (written && written.generation !== generation) {
          generation = written.generation;
          doc.transact(() => {
            for (const update of written.updates) Y.applyUpdate(doc, update);
          });
        }
      } catch (error) {
        doc.destroy();
        this.options.metrics.loadFailures.inc();
        throw new DocumentLoadError(docId, error);
      }
    }
    const room = this.open(docId, generation, doc);
    if (room.doc === doc) this.mergeRemote(room, remote);
    return room;
  }

  /** The room of `doc`, registered; or the room another load registered first (`doc` dropped). */
  private open(docId: string, generation: string, doc: Y.Doc): Room {
    const raced = this.rooms.get(docId);
    if (raced) {
      doc.destroy();
      return raced;
    }
    const room: Room = new Room(docId, generation, doc, this.roomDeps);
    this.rooms.set(docId, room);
    this.repairHolders(room);
    this.options.onRoomOpened?.(room);
    return room;
  }

  /**
   * N3 on load: an owner can hold updates its replicas never got (it stored them, then lost
   * the room, fenced or faulted, before their replication succeeded); a client that re-sends
   * such an update changes nothing here, so it would be acknowledged while only this node has
   * it. Such a document's loaded state goes to the other holders before any acknowledgement.
   * (Repairing every load would cost every move a full-state push; a process that died with
   * updates unreplicated never acknowledged them, and its clients re-send them elsewhere.)
   */
  private repairHolders(room: Room): void {
    const replicate = this.options.replicate;
    if (!replicate || !this.needsRepair.delete(room.docId)) return;
    const state = room.encode();
    if (state.length <= EMPTY_UPDATE.length) return;
    room.holdAcksFor(replicate(room.docId, room.generation, state));
  }

  /** Applies the other holders' copies of the room's generation (pull on load, N1/M4). */
  private mergeRemote(room: Room, remote: RemoteCopies): void {
    for (const copy of remote.copies) {
      if (copy.generation !== room.generation) {
        this.options.log.warn('ignoring a copy of another generation (M7)', {
          docId: room.docId,
          ours: room.generation,
          theirs: copy.generation,
        });
        continue;
      }
      if (room.isFaulted) return;
      try {
        room.applyRemote(copy.state);
      } catch (error) {
        this.options.log.warn('ignoring a remote copy Yjs cannot apply', {
          docId: room.docId,
          error,
        });
      }
    }
  }
}

function first<T>(set: ReadonlySet<T>): T | undefined {
  for (const value of set) return value;
  return undefined;
}

/** The generation most remote copies agree on (ties: smallest), or `undefined`. */
function pickGeneration(remote: RemoteCopies): string | undefined {
  const counts = new Map<string, number>();
  for (const c of remote.copies) counts.set(c.generation, (counts.get(c.generation) ?? 0) + 1);
  let best: string | undefined;
  for (const [g, n] of counts) {
    const bestCount = best === undefined ? -1 : (counts.get(best) ?? 0);
    if (n > bestCount || (n === bestCount && best !== undefined && g < best)) best = g;
  }
  return best;
}
