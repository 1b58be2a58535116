import * as random from 'lib0/random';
import * as time from 'lib0/time';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { NodeMetrics } from '../node-metrics.ts';
import type { DocStore } from '../persistence/store.ts';
import { encodeAwareness, encodeSyncUpdate } from '../protocol/index.ts';
import { applyAndRelease } from './apply-and-release.ts';
import {
  type AwarenessEntry,
  decodeAwarenessEntries,
  encodeAwarenessEntries,
} from './awareness-ids.ts';
import type { Broadcaster, Connection } from './connection.ts';
import { addId, deleteId, type IdGroup, idsOf } from './id-group.ts';
import { checkUpdateFraming } from './update-framing.ts';

export interface RoomDeps {
  /** Where integrated changes are made durable (a forwarder's mirror passes a no-op). */
  readonly store: Pick<DocStore, 'append'>;
  /** The broadcast topic (default `doc/<docId>`). */
  readonly topic?: string;
  readonly broadcaster: Broadcaster;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  readonly clock: Clock;
  readonly maxAwarenessBytes: number;
  /**
   * Copies one integrated update to the document's other holders (N3); resolves when the
   * configured durability level is met. Omitted: local durability only.
   */
  readonly replicate?: (
    docId: string,
    generation: string,
    update: Uint8Array,
    origin: unknown,
  ) => Promise<void> | null;
  /**
   * Relays every client update as received (a forwarder's mirror, C10, F3): its promise joins
   * the durable chain, so the client's ack waits for it. Used with a `replicate` that relays
   * nothing: an update the mirror cannot integrate yet still reaches the owner.
   */
  readonly relay?: (update: Uint8Array) => Promise<void>;
  /** Called when a durable write failed: the registry drops the room (it reloads from the store). */
  readonly onFault: (room: Room, error: unknown) => void;
  /**
   * Who drops awareness states not renewed for 30 s: `own-timer` (default) keeps y-protocols'
   * 3-s interval of each Awareness; `caller` stops it, and whoever holds the room calls
   * `expireAwareness` (the registry does from its one sweep: no timer per document, issue 14).
   */
  readonly awarenessExpiry?: 'own-timer' | 'caller';
}

/** y-protocols' timeout of an awareness state nobody renewed (its `outdatedTimeout`). */
export const AWARENESS_TIMEOUT_MS = awarenessProtocol.outdatedTimeout;

/**
 * True when `update` holds nothing beyond the state `snapshot` describes (`Y.encodeSnapshot`):
 * applying it would change nothing. False when it cannot tell (the caller integrates it, which
 * reports a malformed update).
 */
function holdsAlready(snapshot: Uint8Array, update: Uint8Array): boolean {
  try {
    return Y.snapshotContainsUpdate(Y.decodeSnapshot(snapshot), update);
  } catch {
    return false;
  }
}

/** Transaction origin of updates that came from another node. */
export const REMOTE_ORIGIN = Symbol('remote');

/** Thrown by `applyAwareness` for an update this connection may not apply. */
export class AwarenessRejected extends Error {
  override readonly name = 'AwarenessRejected';
}

/**
 * What a room's Awareness is given for a Y.Doc: y-protocols reads its `clientID` and listens
 * for its `destroy` (the room destroys the awareness itself, so nothing is registered).
 */
class AwarenessHost {
  constructor(readonly clientID: number) {}
  on(): void {}
}

/** Called with every change the room integrates (after it is staged for the store). */
export type ChangeListener = (update: Uint8Array, origin: unknown) => void;

/**
 * One loaded document: its state, awareness and the connections editing it.
 *
 * The state is held in one of two forms (issue 14): `hydrated`, a live Y.Doc, while it is
 * edited or read; `encoded`, one merged Yjs update, once `encodeDoc()` dropped the Y.Doc (the
 * registry does so after an idle window, coldest first under memory pressure). An encoded room
 * answers `stateVector()`, `missingSince()` and `encode()` from the bytes; `doc` (and every
 * update) hydrates it again. A caller still holding a dropped Y.Doc and writing to it loses
 * nothing: its changes are integrated into the room like any other.
 *
 * Invariants: every change integrated into the room is appended to the store (N2) and
 * broadcast to the other connections; `durable()` resolves once everything integrated
 * so far is durable, or rejects if any of it failed (then the room faults, C4).
 */
export class Room {
  readonly topic: string;
  /** Created by the first use (issue 14): a room nobody sent awareness to holds none. */
  private awarenessState: awarenessProtocol.Awareness | null = null;
  /** Attached connections and the awareness ids each introduced (C8). */
  private readonly members = new Map<Connection, IdGroup>();
  private readonly awarenessOwner = new Map<number, Connection>();
  private readonly changedAwareness = new Set<number>();
  private awarenessFlushScheduled = false;
  private durableChain: Promise<void> = Promise.resolve();
  private localChain: Promise<void> = Promise.resolve();
  /** The last store append promise chained into `localChain`. */
  private lastLocal: Promise<void> | null = null;
  /** The last write chained into `durableChain`, what it waits for and how many updates it covers. */
  private lastWrite: {
    readonly local: Promise<void>;
    readonly replicated: Promise<void> | null;
    count: number;
    readonly started: number;
  } | null = null;
  private pendingWrites = 0;
  /** Replication windows (or repairs) whose replication has not succeeded (yet, or ever). */
  private unreplicated = 0;
  /** The last replication promise counted in `unreplicated`. */
  private lastReplicated: Promise<void> | null = null;
  private faulted = false;
  /** While a client update is being applied: its doc updates, held back until it succeeds. */
  private staged: Array<readonly [Uint8Array, unknown]> | null = null;
  /** The client's own Update frame, relayed instead of re-encoding its one change. */
  private relayFrame: Uint8Array | null = null;
  private destroyed = false;
  /** The live Y.Doc while hydrated; `null` while the state is held encoded. */
  private current: Y.Doc | null;
  /** The whole state as one update while encoded; `null` while hydrated. */
  private encodedState: Uint8Array | null = null;
  /**
   * While encoded: the state's delete set and state vector (`Y.encodeSnapshot`), so a catch-up
   * that brings nothing new is told without hydrating. `null` while hydrated.
   */
  private encodedSnapshot: Uint8Array | null = null;
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly destroyListeners = new Set<() => void>();
  lastActive: number;
  /** When the Y.Doc was last used (hydrated, read or written): the coldest are encoded first. */
  lastUsed: number;
  /**
   * When a client last edited it live (an Update frame, `applyUpdate`); catch-ups
   * (`applyCatchUp`) and reads do not count. The registry keeps a room hydrated only while it
   * is edited (issue 14).
   */
  lastEdited = Number.NEGATIVE_INFINITY;
  /**
   * When the last two catch-ups that changed the document were applied (offline edits, or
   * edits not acknowledged before a failover). A second one within the idle window means
   * clients are reconnecting with edits of their own: the registry then keeps the Y.Doc for
   * the next, as for a live edit.
   */
  lastChangingCatchUp = Number.NEGATIVE_INFINITY;
  priorChangingCatchUp = Number.NEGATIVE_INFINITY;

  constructor(
    readonly docId: string,
    readonly generation: string,
    doc: Y.Doc,
    private readonly deps: RoomDeps,
  ) {
    this.topic = deps.topic ?? `doc/${docId}`;
    this.lastActive = deps.clock.now();
    this.lastUsed = this.lastActive;
    this.current = doc;
    doc.on('update', this.onDocUpdate);
  }

  /**
   * The document's awareness (C8), created on first use: a room whose clients never sent
   * awareness keeps no Awareness, its maps and its listeners (issue 14).
   */
  get awareness(): awarenessProtocol.Awareness {
    if (this.awarenessState) return this.awarenessState;
    // Awareness only borrows a doc's clientID and its `destroy` event (the room destroys the
    // awareness itself): it gets a stand-in so it never keeps a dropped Y.Doc alive.
    const awareness = new awarenessProtocol.Awareness(
      new AwarenessHost(this.current?.clientID ?? random.uint32()) as unknown as Y.Doc,
    );
    if (this.deps.awarenessExpiry === 'caller') {
      clearInterval((awareness as unknown as { _checkInterval: NodeJS.Timeout })._checkInterval);
    }
    awareness.setLocalState(null);
    awareness.on('update', this.onAwarenessUpdate);
    if (this.destroyed) awareness.destroy();
    else this.awarenessState = awareness;
    return awareness;
  }

  /** True once the room holds an Awareness (someone sent or read awareness). */
  get hasAwareness(): boolean {
    return this.awarenessState !== null;
  }

  /** The awareness states by client id (empty, without creating an Awareness, if none). */
  awarenessStates(): ReadonlyMap<number, { [key: string]: unknown }> {
    return this.awarenessState?.getStates() ?? new Map();
  }

  /**
   * The document as a live Y.Doc, hydrated from its encoded state if needed. Callers use it at
   * once and do not keep it: the room may encode it again after an idle window.
   */
  get doc(): Y.Doc {
    return this.hydrate();
  }

  /** True while the state is a live Y.Doc (false: held encoded). */
  get isHydrated(): boolean {
    return this.current !== null;
  }

  /**
   * Counts as edited now (`lastEdited`): a document handed to this node while its editors type
   * on the previous owner keeps its Y.Doc for them, instead of being encoded by their catch-ups
   * and rebuilt by their next keystroke.
   */
  markEdited(): void {
    this.lastEdited = this.deps.clock.now();
  }

  /** The live Y.Doc, rebuilt from the encoded state if the room held it encoded. */
  hydrate(now = this.deps.clock.now()): Y.Doc {
    this.lastUsed = now;
    if (this.current) return this.current;
    const doc = new Y.Doc();
    const state = this.encodedState;
    if (state) Y.applyUpdate(doc, state);
    if (this.destroyed) return doc; // a late reader of a dropped room: a detached copy
    doc.on('update', this.onDocUpdate);
    this.current = doc;
    this.encodedState = null;
    this.encodedSnapshot = null;
    this.deps.metrics.docsHydrated.inc();
    return doc;
  }

  /**
   * Encodes the state and drops the Y.Doc; returns whether it did. Kept hydrated: a room that
   * is destroyed, faulted, integrating an update, or whose Y.Doc holds changes it cannot
   * integrate yet (they stay where Yjs keeps them until their dependencies arrive).
   */
  encodeDoc(): boolean {
    const doc = this.current;
    if (!doc || this.destroyed || this.faulted || this.staged) return false;
    if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) return false;
    this.encodedState = Y.encodeStateAsUpdate(doc);
    this.encodedSnapshot = Y.encodeSnapshot(Y.snapshot(doc));
    this.current = null;
    doc.off('update', this.onDocUpdate);
    // Someone may still hold the dropped doc (read before, written after an await): whatever
    // it gets is integrated into the room, so no change is lost.
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (!this.destroyed && !this.faulted) Y.applyUpdate(this.hydrate(), update, origin);
    });
    this.deps.metrics.docsEncoded.inc();
    return true;
  }

  /** The whole state as one Yjs update (from the encoded bytes when not hydrated). */
  encode(): Uint8Array {
    if (this.current) return Y.encodeStateAsUpdate(this.current);
    return this.encodedState ?? Y.encodeStateAsUpdate(this.hydrate());
  }

  /** Calls `fn` with every change integrated from now on; returns a function that stops it. */
  onChange(fn: ChangeListener): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  /** Calls `fn` once when the room is destroyed (its state is still readable then). */
  onDestroy(fn: () => void): () => void {
    this.destroyListeners.add(fn);
    return () => this.destroyListeners.delete(fn);
  }

  get connectionCount(): number {
    return this.members.size;
  }

  get hasPendingWrites(): boolean {
    return this.pendingWrites > 0;
  }

  /**
   * True while some update (or the load-time repair) has not reached the other holders: if the
   * room is dropped now, its next load must bring them up to date (N3).
   */
  get hasUnreplicated(): boolean {
    return this.unreplicated > 0;
  }

  get isFaulted(): boolean {
    return this.faulted;
  }

  /** Resolves once every change integrated so far is durable; rejects if one failed. */
  durable(): Promise<void> {
    return this.durableChain;
  }

  /**
   * Resolves once every change integrated so far is in this node's store, replicated or not
   * (what a replica acknowledges: waiting for its own replication could wait on the sender).
   */
  localDurable(): Promise<void> {
    return this.localChain;
  }

  /**
   * Every acknowledgement from now on also waits for `work` (the load-time repair of the other
   * holders' copies, N3); if it fails the room faults and its clients resync.
   */
  holdAcksFor(work: Promise<void>): void {
    this.pendingWrites++;
    this.unreplicated++;
    this.durableChain = Promise.all([this.durableChain, work]).then(() => undefined);
    this.durableChain.catch(() => {});
    work.then(
      () => {
        this.pendingWrites--;
        this.unreplicated--;
      },
      (error: unknown) => {
        this.pendingWrites--;
        this.fault(error, 'the other holders could not be brought up to date');
      },
    );
  }

  join(conn: Connection): void {
    this.members.set(conn, null);
    this.deps.broadcaster.join(this.topic, conn);
    this.lastActive = this.deps.clock.now();
  }

  /** Removes the connection and the awareness states it introduced (C8). */
  leave(conn: Connection): void {
    const group = this.members.get(conn);
    if (group === undefined) return;
    this.members.delete(conn);
    this.deps.broadcaster.leave(this.topic, conn);
    const ids = idsOf(group);
    for (const id of ids) this.awarenessOwner.delete(id);
    if (ids.length > 0 && !this.destroyed && this.awarenessState) {
      awarenessProtocol.removeAwarenessStates(this.awarenessState, ids, conn);
    }
    this.lastActive = this.deps.clock.now();
  }

  /** This document's Yjs state vector. */
  stateVector(): Uint8Array {
    if (this.current || !this.encodedState) return Y.encodeStateVector(this.hydrate());
    return Y.encodeStateVectorFromUpdate(this.encodedState);
  }

  /** The Yjs update a peer with state vector `stateVector` is missing. Throws on a bad vector. */
  missingSince(stateVector: Uint8Array): Uint8Array {
    if (this.current || !this.encodedState) {
      return Y.encodeStateAsUpdate(this.hydrate(), stateVector);
    }
    // the same check Yjs makes on a Y.Doc: a vector it cannot decode throws
    Y.decodeStateVector(stateVector);
    return Y.diffUpdate(this.encodedState, stateVector);
  }

  /**
   * Validates then applies a client's update (C5): a malformed update throws and nothing from
   * it is stored, broadcast or acknowledged. The check reads the update's framing to its end
   * without building anything (`checkUpdateFraming`: Yjs reads the delete set only while
   * applying it), so `Y.applyUpdate` is its one decode. Yjs can integrate part of a crafted update that
   * decodes cleanly before it throws (found by the session fuzz): its changes are held back,
   * and the room faults (the registry drops it and its clients resync from the store) instead
   * of serving a half-applied state. `frame`: the client's Update frame carrying `update`,
   * relayed as is to the other connections when the update makes one change. A live edit: it
   * sets `lastEdited`.
   */
  applyUpdate(update: Uint8Array, origin: Connection, frame?: Uint8Array): void {
    if (this.faulted) throw new Error('document storage failed');
    const started = this.deps.clock.now();
    // framing only (nothing built): `Y.applyUpdate` below is the one decode of the update
    checkUpdateFraming(update);
    this.integrateClientUpdate(update, origin, frame, started);
    this.lastEdited = this.lastActive;
  }

  /**
   * Applies a client's catch-up, the update of its SyncStep2 (C5, like `applyUpdate`), without
   * counting it as an edit (`lastEdited`). An encoded room given nothing it does not hold
   * already — every struct known, every deletion applied, which Yjs would integrate as no
   * change — stays encoded: nothing is hydrated, stored or broadcast (issue 14: a reconnecting
   * client's catch-up is mostly that). A forwarder's mirror (`relay`) always relays.
   */
  applyCatchUp(update: Uint8Array, origin: Connection): void {
    if (this.faulted) throw new Error('document storage failed');
    const started = this.deps.clock.now();
    checkUpdateFraming(update);
    const snapshot = this.encodedSnapshot;
    if (!this.current && snapshot && !this.deps.relay && holdsAlready(snapshot, update)) {
      this.lastActive = started;
      return;
    }
    if (this.integrateClientUpdate(update, origin, undefined, started)) {
      this.priorChangingCatchUp = this.lastChangingCatchUp;
      this.lastChangingCatchUp = this.lastActive;
    }
  }

  /** Integrates a validated client update; returns whether it changed (or holds back) anything. */
  private integrateClientUpdate(
    update: Uint8Array,
    origin: Connection,
    frame: Uint8Array | undefined,
    started: number,
  ): boolean {
    const doc = this.hydrate(started);
    const staged: Array<readonly [Uint8Array, unknown]> = [];
    this.staged = staged;
    try {
      applyAndRelease(doc, update, origin);
    } catch (error) {
      if (staged.length > 0) this.fault(error, 'an update failed halfway through integration');
      throw error;
    } finally {
      this.staged = null;
    }
    // one change from one client Update frame: its other connections get that frame as is
    this.relayFrame = staged.length === 1 ? (frame ?? null) : null;
    try {
      for (const [change, changeOrigin] of staged) this.onDocUpdate(change, changeOrigin);
    } finally {
      this.relayFrame = null;
    }
    const relayed = this.deps.relay?.(update);
    const heldBack = doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
    if (relayed) {
      this.durableChain = Promise.all([this.durableChain, relayed]).then(() => undefined);
      this.durableChain.catch(() => {});
    } else if (heldBack) {
      // Some of it waits for changes this node has not seen (Yjs holds it and emits nothing):
      // store and replicate it as received, so no ack ever covers an update held only in memory.
      this.onDocUpdate(update, origin);
    }
    const ended = this.deps.clock.now();
    this.deps.metrics.applySeconds.observe((ended - started) / 1000);
    this.deps.metrics.updatesApplied.inc();
    this.deps.metrics.updateBytes.inc(update.length);
    this.lastActive = ended;
    return staged.length > 0 || heldBack;
  }

  /**
   * Applies state from another node (replication, hand-off, pull on load). Peers are
   * authenticated and their updates were validated when clients sent them, so no second
   * decode; the change is persisted and replicated like any other.
   */
  applyRemote(update: Uint8Array): void {
    if (this.faulted) throw new Error('document storage failed');
    applyAndRelease(this.hydrate(), update, REMOTE_ORIGIN);
  }

  /** The awareness client ids `conn` introduced (C8), if it is attached. */
  awarenessIdsOf(conn: Connection): readonly number[] | undefined {
    const group = this.members.get(conn);
    return group === undefined ? undefined : idsOf(group);
  }

  /** Connections attached to this room. */
  connections(): IterableIterator<Connection> {
    return this.members.keys();
  }

  /**
   * Applies an awareness update from `conn` (C8). Entries for client ids another open
   * connection of this room introduced are dropped (not applied, not relayed): stock
   * y-websocket re-sends every state it receives, so this is normal, never a reason to close.
   * An id with no live owner (never seen, its connection closed or gone, or removed) moves to
   * `conn` with the first entry of it that is newer than the room's, so a reconnecting client
   * takes its id over; re-sent copies are never newer, so relaying cannot claim an id.
   * Returns how many entries were dropped. Throws `AwarenessRejected` when too big and an
   * error on a malformed update (the session closes with 4400).
   */
  applyAwareness(update: Uint8Array, conn: Connection): number {
    if (update.length > this.deps.maxAwarenessBytes) {
      throw new AwarenessRejected(`awareness update of ${update.length} bytes exceeds the limit`);
    }
    const entries = decodeAwarenessEntries(update);
    if (!this.members.has(conn)) return entries.length;
    const kept = entries.filter((entry) => this.mayApply(entry, conn));
    for (const entry of kept) {
      const previous = this.awarenessOwner.get(entry.clientId);
      if (previous !== undefined && previous !== conn) this.dropId(previous, entry.clientId);
      this.awarenessOwner.set(entry.clientId, conn);
      const mine = this.members.get(conn);
      if (mine !== undefined) this.members.set(conn, addId(mine, entry.clientId));
    }
    if (kept.length > 0) {
      const filtered = kept.length === entries.length ? update : encodeAwarenessEntries(kept);
      awarenessProtocol.applyAwarenessUpdate(this.awareness, filtered, conn);
    }
    for (const entry of kept) {
      // A removed state frees its id (the client left; it may come back on another socket).
      if (entry.state === 'null' && !this.awareness.getStates().has(entry.clientId)) {
        this.awarenessOwner.delete(entry.clientId);
        this.dropId(conn, entry.clientId);
      }
    }
    return entries.length - kept.length;
  }

  /** Forgets that `conn` introduced awareness id `id`; a connection that left stays gone. */
  private dropId(conn: Connection, id: number): void {
    const group = this.members.get(conn);
    if (group !== undefined) this.members.set(conn, deleteId(group, id));
  }

  /** Whether `conn` may apply `entry` (C8; see `applyAwareness`). */
  private mayApply(entry: AwarenessEntry, conn: Connection): boolean {
    const owner = this.awarenessOwner.get(entry.clientId);
    if (owner === conn) return true;
    if (owner !== undefined && !owner.closed && this.members.has(owner)) return false;
    const current = this.awarenessState?.meta.get(entry.clientId)?.clock ?? 0;
    return entry.clock > current;
  }

  /**
   * Drops the awareness states of other clients not renewed for {@link AWARENESS_TIMEOUT_MS}
   * at `now`, as y-protocols' own check does; for rooms whose `awarenessExpiry` is `caller`.
   * `now` defaults to lib0's clock, the one y-protocols stamps `lastUpdated` with (the node's
   * injected clock may be simulated time). Returns how many states it dropped.
   */
  expireAwareness(now: number = time.getUnixTime()): number {
    const awareness = this.awarenessState;
    if (this.destroyed || !awareness) return 0;
    const stale: number[] = [];
    awareness.meta.forEach((meta, clientId) => {
      if (
        clientId !== awareness.clientID &&
        now - meta.lastUpdated >= AWARENESS_TIMEOUT_MS &&
        awareness.states.has(clientId)
      ) {
        stale.push(clientId);
      }
    });
    if (stale.length > 0) awarenessProtocol.removeAwarenessStates(awareness, stale, 'timeout');
    return stale.length;
  }

  /** Every known awareness state, or `null` when there is none. */
  awarenessSnapshot(): Uint8Array | null {
    const awareness = this.awarenessState;
    if (!awareness) return null;
    const ids = [...awareness.getStates().keys()];
    if (ids.length === 0) return null;
    return awarenessProtocol.encodeAwarenessUpdate(awareness, ids);
  }

  /** Closes every connection with `code` (used on fault, fencing and shutdown). */
  closeAll(code: number, reason: string): void {
    for (const conn of [...this.members.keys()]) conn.close(code, reason);
  }

  /** Releases the Y.Doc and awareness; the room must have no connections. */
  destroy(): void {
    if (this.destroyed) return;
    for (const fn of [...this.destroyListeners]) fn();
    this.destroyListeners.clear();
    this.changeListeners.clear();
    this.destroyed = true;
    const awareness = this.awarenessState;
    if (awareness) {
      awareness.off('update', this.onAwarenessUpdate);
      awareness.destroy();
    }
    const doc = this.current;
    if (doc) {
      doc.off('update', this.onDocUpdate);
      doc.destroy();
    }
  }

  /**
   * The room's listeners are bound methods (they were written so when `ringdoc node` ran
   * through tsx, whose keepNames cost every named closure ~256 B; bin/ts-hooks.mjs does not).
   */
  private readonly onDocUpdate = this.integrate.bind(this);
  private readonly onAwarenessUpdate = this.awarenessChanged.bind(this);

  private integrate(update: Uint8Array, origin: unknown): void {
    if (this.staged) {
      this.staged.push([update, origin]);
      return;
    }
    this.pendingWrites++;
    const local = this.deps.store.append(this.docId, update, this.generation);
    if (local !== this.lastLocal) {
      // a store that commits in windows hands every append of a window the same promise:
      // chain it once per window, not once per update
      this.lastLocal = local;
      this.localChain = Promise.all([this.localChain, local]).then(() => undefined);
      this.localChain.catch(() => {});
    }
    const replicated = this.deps.replicate?.(this.docId, this.generation, update, origin) ?? null;
    if (replicated && replicated !== this.lastReplicated) {
      // a replicator that batches per window hands every update of a window the same promise
      this.lastReplicated = replicated;
      this.unreplicated++;
      replicated.then(
        () => {
          this.unreplicated--;
        },
        () => {},
      );
    }
    const batch = this.lastWrite;
    if (batch && batch.local === local && batch.replicated === replicated) {
      // the same local window and the same replication window: one write covers both updates
      batch.count++;
    } else {
      this.chainWrite(local, replicated);
    }
    const except =
      origin !== null && typeof origin === 'object' && this.members.has(origin as Connection)
        ? (origin as Connection)
        : undefined;
    const relayed = this.relayFrame;
    this.relayFrame = null;
    this.deps.broadcaster.publish(this.topic, relayed ?? encodeSyncUpdate(update), except);
    for (const fn of this.changeListeners) fn(update, origin);
  }

  /**
   * Joins the write of one local commit window and one replication window (covering one or
   * more updates) to the durable chain and counts it.
   */
  private chainWrite(local: Promise<void>, replicated: Promise<void> | null): void {
    const write = replicated ? Promise.all([local, replicated]).then(() => undefined) : local;
    const batch = { local, replicated, count: 1, started: this.deps.clock.now() };
    this.lastWrite = batch;
    this.durableChain = Promise.all([this.durableChain, write]).then(() => undefined);
    this.durableChain.catch(() => {});
    write.then(
      () => {
        this.pendingWrites -= batch.count;
        const seconds = (this.deps.clock.now() - batch.started) / 1000;
        for (let i = 0; i < batch.count; i++) this.deps.metrics.durableSeconds.observe(seconds);
      },
      (error: unknown) => {
        this.pendingWrites -= batch.count;
        this.fault(error);
      },
    );
  }

  private awarenessChanged(change: {
    added: number[];
    updated: number[];
    removed: number[];
  }): void {
    for (const id of change.added) this.changedAwareness.add(id);
    for (const id of change.updated) this.changedAwareness.add(id);
    for (const id of change.removed) this.changedAwareness.add(id);
    if (this.awarenessFlushScheduled) return;
    this.awarenessFlushScheduled = true;
    setImmediate(() => this.flushAwareness());
  }

  /** Coalesces awareness per document per tick and echoes to the sender too (C8). */
  private flushAwareness(): void {
    this.awarenessFlushScheduled = false;
    if (this.destroyed || this.changedAwareness.size === 0) return;
    const ids = [...this.changedAwareness];
    this.changedAwareness.clear();
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids);
    this.deps.broadcaster.publish(this.topic, encodeAwareness(update));
    this.deps.metrics.awarenessBroadcasts.inc();
  }

  private fault(error: unknown, what = 'durable write failed'): void {
    if (this.faulted) return;
    this.faulted = true;
    if (this.destroyed) {
      // Dropped already (fenced, or the process is going away): its clients are gone and
      // nothing of the failed write was acknowledged; the registry repairs on the next load.
      this.deps.log.warn(`${what} after the document was dropped`, { docId: this.docId, error });
      return;
    }
    if (what === 'durable write failed') this.deps.metrics.storeFailures.inc();
    this.deps.log.error(`${what}; closing the document so clients resync`, {
      docId: this.docId,
      error,
    });
    this.deps.onFault(this, error);
  }
}
