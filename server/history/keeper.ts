import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { systemClock } from '../clock.ts';
import type { Connection } from '../documents/connection.ts';
import type { Room } from '../documents/room.ts';
import type { Session } from '../documents/session.ts';
import type { Logger } from '../log.ts';
import { CloseCode, encodeReply, type Reply, type Request } from '../protocol/index.ts';
import { replaceContent } from './restore.ts';
import { DEFAULT_RETENTION, type RetentionPolicy, versionsToDrop } from './retention.ts';
import {
  cutVersion,
  DEFAULT_CHECKPOINT_EVERY,
  documentOfHistoryRoom,
  dropVersions,
  findVersion,
  historyRoomOf,
  readVersions,
  summarize,
  type VersionKind,
  type VersionRecord,
  type VersionSummary,
  versionDoc,
} from './versions.ts';

/** When the owner cuts automatic versions, and what it keeps (W6). */
export interface HistorySettings {
  /** Cut once edits have paused this long (default 30 s). */
  readonly quietMs: number;
  /** Cut during continuous editing at least this often (default 10 min). */
  readonly maxStretchMs: number;
  /** How often the keeper looks while some document has edits in no version (default 1 s). */
  readonly tickMs: number;
  /** Full checkpoint after this many chained diffs (default 50). */
  readonly checkpointEvery: number;
  readonly retention: RetentionPolicy;
  /** Longest wait for a client's edits to reach the document before a cut (default 3 s). */
  readonly catchUpMs: number;
}

export const DEFAULT_HISTORY_SETTINGS: HistorySettings = Object.freeze({
  quietMs: 30_000,
  maxStretchMs: 10 * 60_000,
  tickMs: 1000,
  checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
  retention: DEFAULT_RETENTION,
  catchUpMs: 3000,
});

export interface HistoryKeeperDeps {
  /** The loaded room of a document or sub-room, loading it if needed (the registry). */
  readonly acquire: (docId: string) => Promise<Room>;
  /** True when this node may write `docId`'s history now (owner, not fenced/draining/stopping). */
  readonly canWrite: (docId: string) => boolean;
  readonly log: Logger;
  readonly now?: () => number;
  /** Timers (a simulation's clock); default: Node's, unref'd. */
  readonly timers?: HistoryTimers;
  readonly settings?: Partial<HistorySettings>;
  readonly newId?: () => string;
}

/** Schedules work; each returns a function that cancels it. */
export interface HistoryTimers {
  every(ms: number, fn: () => void): () => void;
  after(ms: number, fn: () => void): () => void;
}

/** The keeper's view of a request's sender (a `Session`). */
type Requester = Pick<Session, 'conn' | 'perm'>;

/** Origin of the keeper's writes into history rooms and of server-side restores. */
export const HISTORY_ORIGIN = Symbol('history');

/** Keeps automatic versions and serves history requests on the node that owns a document. */
export interface HistoryKeeper {
  /** Watches a freshly loaded room (documents only; sub-rooms are ignored). */
  track(room: Room): void;
  /** Handles a REQUEST (P23) on a history room `<docId>/versions`. */
  handleRequest(session: Requester, room: Room, request: Request): void;
  /** Cuts the versions that are due (called every `tickMs` once started, while edits are pending). */
  tick(): Promise<void>;
  /** Cuts a version now (tests, the CLI's request). */
  cut(docId: string, options: CutRequest): Promise<VersionRecord | null>;
  start(): void;
  /** Cuts what is pending where allowed, then stops. */
  stop(): Promise<void>;
}

export interface CutRequest {
  readonly kind: VersionKind;
  readonly name?: string;
  readonly label: string;
  /** Also name these people as authors. */
  readonly by?: readonly string[];
  /** Automatic cuts only: skip when nothing changed since the newest version. */
  readonly onlyIfChanged?: boolean;
}

interface Tracked {
  readonly room: Room;
  pending: boolean;
  firstEditAt: number;
  lastEditAt: number;
  authors: Set<string>;
}

const MAX_NAME = 100;

function defaultId(): string {
  return `v${randomBytes(6).toString('hex')}`;
}

function nameOf(state: unknown): string | null {
  if (typeof state !== 'object' || state === null) return null;
  const s = state as { name?: unknown; user?: { name?: unknown } };
  if (typeof s.name === 'string' && s.name !== '') return s.name.slice(0, MAX_NAME);
  if (typeof s.user?.name === 'string' && s.user.name !== '') return s.user.name.slice(0, MAX_NAME);
  return null;
}

function isConnection(origin: unknown): origin is Connection {
  return typeof origin === 'object' && origin !== null && 'send' in origin && 'id' in origin;
}

/** True when `doc` holds everything `stateVector` describes. Throws on a malformed vector. */
export function covers(doc: Y.Doc, stateVector: Uint8Array): boolean {
  return coversVector(Y.encodeStateVector(doc), stateVector);
}

/** True when state vector `have` includes everything `stateVector` describes. */
function coversVector(haveVector: Uint8Array, stateVector: Uint8Array): boolean {
  const have = Y.decodeStateVector(haveVector);
  for (const [client, clock] of Y.decodeStateVector(stateVector)) {
    if ((have.get(client) ?? 0) < clock) return false;
  }
  return true;
}

function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * The history keeper (W6): tracks who edits each loaded document, cuts automatic versions
 * after a pause, a long stretch of editing or when the last connection leaves, applies
 * retention, and answers `cut`/`restore` requests from edit sessions. Versions live in the
 * document's sub-room `<docId>/versions`, written through its Room, so they are stored,
 * replicated, handed off and recovered like any document (R3, N3, M1–M8).
 */
export function createHistoryKeeper(deps: HistoryKeeperDeps): HistoryKeeper {
  const settings: HistorySettings = { ...DEFAULT_HISTORY_SETTINGS, ...deps.settings };
  const now = deps.now ?? systemClock().now;
  const newId = deps.newId ?? defaultId;
  const timers = deps.timers ?? systemClock();
  const tracked = new Map<string, Tracked>();
  const chains = new Map<string, Promise<unknown>>();
  let cancelTick: (() => void) | null = null;
  let started = false;
  let stopped = false;

  /**
   * The tick runs only while some tracked document has edits in no version yet (issue 14): a
   * node whose documents are all idle arms no timer. An edit arms it; a tick that leaves
   * nothing pending disarms it.
   */
  function arm(): void {
    if (!started || stopped || cancelTick !== null) return;
    cancelTick = timers.every(settings.tickMs, () => void tickAndDisarm());
  }

  async function tickAndDisarm(): Promise<void> {
    await tick();
    if (cancelTick === null || [...tracked.values()].some((e) => e.pending)) return;
    cancelTick();
    cancelTick = null;
  }

  /** Runs `work` after every earlier cut of `docId` (one writer per history at a time). */
  function serial<T>(docId: string, work: () => Promise<T>): Promise<T> {
    const previous = chains.get(docId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    chains.set(docId, next);
    void next
      .finally(() => {
        if (chains.get(docId) === next) chains.delete(docId);
      })
      .catch(() => {});
    return next;
  }

  function track(room: Room): void {
    if (room.docId.includes('/') || stopped) return;
    const entry: Tracked = {
      room,
      pending: false,
      firstEditAt: 0,
      lastEditAt: 0,
      authors: new Set(),
    };
    tracked.set(room.docId, entry);
    // Room events, not the Y.Doc's: the room drops and rebuilds its Y.Doc (issue 14). Authors
    // are the names in the awareness states the editing connection introduced (the room keeps
    // which, C8).
    const stopWatching = room.onChange((_update: Uint8Array, origin: unknown) => {
      if (!isConnection(origin)) return;
      const at = now();
      if (!entry.pending) entry.firstEditAt = at;
      entry.pending = true;
      entry.lastEditAt = at;
      arm();
      const states = room.awarenessStates();
      for (const id of room.awarenessIdsOf(origin) ?? []) {
        const name = nameOf(states.get(id));
        if (name) entry.authors.add(name);
      }
    });
    room.onDestroy(() => {
      stopWatching();
      if (tracked.get(room.docId) === entry) tracked.delete(room.docId);
      // A faulted room's state may hold what its store refused: never make it a version.
      if (entry.pending && !stopped && !room.isFaulted && deps.canWrite(room.docId)) {
        // Unloaded with edits not in any version yet: cut from its last state.
        const state = room.encode();
        const authors = [...entry.authors];
        void serial(room.docId, async () => {
          const doc = new Y.Doc();
          Y.applyUpdate(doc, state);
          try {
            return await writeVersion(room.docId, doc, {
              kind: 'auto',
              label: 'last editor left',
              by: authors,
            });
          } finally {
            doc.destroy();
          }
        }).catch((error: unknown) =>
          deps.log.warn('could not cut a version of an unloaded document', {
            docId: room.docId,
            error,
          }),
        );
      }
    });
  }

  /**
   * Writes a version of `main` into `docId`'s history room; retention runs after it. Given the
   * room, the version is cut from its state once the history room is loaded: from a copy while
   * the room is held encoded, so cutting a version does not hydrate it (issue 14).
   */
  async function writeVersion(
    docId: string,
    source: Y.Doc | Room,
    request: CutRequest,
    authors: Iterable<string> = [],
  ): Promise<VersionRecord | null> {
    const history = await deps.acquire(historyRoomOf(docId));
    if (source instanceof Y.Doc) return cutInto(history, source, request, authors);
    if (source.isHydrated) return cutInto(history, source.doc, request, authors);
    const copy = new Y.Doc();
    try {
      Y.applyUpdate(copy, source.encode());
      return await cutInto(history, copy, request, authors);
    } finally {
      copy.destroy();
    }
  }

  async function cutInto(
    history: Room,
    main: Y.Doc,
    request: CutRequest,
    authors: Iterable<string>,
  ): Promise<VersionRecord | null> {
    const records = readVersions(history.doc);
    const newest = records.at(-1);
    if (request.onlyIfChanged && newest && !changedSince(main, newest)) return null;
    const record = cutVersion(main, history.doc, {
      id: newId(),
      kind: request.kind,
      ...(request.name ? { name: request.name } : {}),
      label: request.label,
      at: now(),
      authors: [...authors, ...(request.by ?? [])],
      checkpointEvery: settings.checkpointEvery,
      origin: HISTORY_ORIGIN,
    });
    const drop = versionsToDrop(readVersions(history.doc), now(), settings.retention);
    if (drop.size > 0) dropVersions(history.doc, drop, HISTORY_ORIGIN);
    await history.durable();
    return record;
  }

  /** Cuts a version of the loaded document `docId`, consuming its pending authors. */
  function cut(docId: string, request: CutRequest): Promise<VersionRecord | null> {
    return serial(docId, async () => {
      const main = await deps.acquire(docId);
      const entry = tracked.get(docId);
      const authors = entry?.room === main ? [...entry.authors] : [];
      const pending = entry?.room === main && entry.pending;
      const record = await writeVersion(
        docId,
        main,
        { ...request, onlyIfChanged: request.onlyIfChanged && !pending },
        authors,
      );
      if (entry && entry.room === main) {
        entry.pending = false;
        entry.authors = new Set();
      }
      return record;
    });
  }

  async function tick(): Promise<void> {
    const at = now();
    const due: Array<Promise<unknown>> = [];
    for (const [docId, entry] of tracked) {
      if (!entry.pending || chains.has(docId) || !deps.canWrite(docId)) continue;
      let label: string | null = null;
      if (entry.room.connectionCount === 0) label = 'last editor left';
      else if (at - entry.lastEditAt >= settings.quietMs) label = 'pause in editing';
      else if (at - entry.firstEditAt >= settings.maxStretchMs) label = 'long editing session';
      if (!label) continue;
      due.push(
        cut(docId, { kind: 'auto', label }).catch((error: unknown) =>
          deps.log.warn('automatic version failed', { docId, error }),
        ),
      );
    }
    await Promise.all(due);
  }

  async function waitForEdits(main: Room, stateVector: Uint8Array): Promise<void> {
    if (coversVector(main.stateVector(), stateVector)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        cancel();
        stopWatching();
        resolve();
      };
      const check = () => {
        if (coversVector(main.stateVector(), stateVector)) done();
      };
      const cancel = timers.after(settings.catchUpMs, done);
      const stopWatching = main.onChange(check);
    });
  }

  async function restore(docId: string, ref: string, by: readonly string[]) {
    return serial(docId, async () => {
      const main = await deps.acquire(docId);
      const history = await deps.acquire(historyRoomOf(docId));
      const records = readVersions(history.doc);
      const found = findVersion(records, ref);
      if (!found) return null;
      const entry = tracked.get(docId);
      const authors = entry?.room === main ? [...entry.authors] : [];
      const pending = entry?.room === main && entry.pending;
      const title = found.record.name || `version ${found.index + 1}`;
      const before = await writeVersion(
        docId,
        main.doc,
        { kind: 'auto', label: `before restoring “${title}”`, onlyIfChanged: !pending },
        authors,
      );
      const old = versionDoc(records, found.index);
      try {
        replaceContent(main.doc, old, HISTORY_ORIGIN);
      } finally {
        old.destroy();
      }
      await main.durable();
      const after = await writeVersion(docId, main.doc, {
        kind: 'auto',
        label: `restored “${title}”`,
        by,
      });
      if (entry && entry.room === main) {
        entry.pending = false;
        entry.authors = new Set();
      }
      return { restored: found.record, before, after };
    });
  }

  function handleRequest(session: Requester, room: Room, request: Request): void {
    const send = (reply: Omit<Reply, 'id'>) => {
      if (session.conn.closed) return;
      session.conn.cork(() => session.conn.send(encodeReply({ id: request.id, ...reply })));
    };
    const fail = (code: number, reason: string) => send({ ok: false, code, reason });
    const docId = documentOfHistoryRoom(room.docId);
    if (!docId) {
      fail(CloseCode.BAD_REQUEST, `unknown operation ${request.op} on this room`);
      return;
    }
    const args = request.args;
    const by =
      typeof args.by === 'string' && args.by.trim() !== ''
        ? [args.by.trim().slice(0, MAX_NAME)]
        : [];
    const run = async () => {
      switch (request.op) {
        case 'cut': {
          if (session.perm !== 'edit') {
            fail(CloseCode.FORBIDDEN, 'forbidden: a view link cannot create versions');
            return;
          }
          const name = typeof args.name === 'string' ? args.name.trim().slice(0, MAX_NAME) : '';
          const label = typeof args.label === 'string' ? args.label.slice(0, 200) : 'saved';
          if (!deps.canWrite(docId)) {
            fail(CloseCode.RETRY, 'this node does not own the document now; retry');
            return;
          }
          if (typeof args.stateVector === 'string') {
            await waitForEdits(await deps.acquire(docId), decodeBase64(args.stateVector));
          }
          const record = await cut(docId, {
            kind: name ? 'named' : 'auto',
            label: name ? '' : label,
            ...(name ? { name } : {}),
            by,
            onlyIfChanged: !name,
          });
          send({
            ok: true,
            result: { version: record ? summaryOf(record, await listOf(docId)) : null },
          });
          return;
        }
        case 'restore': {
          if (session.perm !== 'edit') {
            fail(CloseCode.FORBIDDEN, 'forbidden: a view link cannot restore versions');
            return;
          }
          if (typeof args.version !== 'string' || args.version === '') {
            fail(CloseCode.BAD_REQUEST, 'restore needs a version (id or number)');
            return;
          }
          if (!deps.canWrite(docId)) {
            fail(CloseCode.RETRY, 'this node does not own the document now; retry');
            return;
          }
          const outcome = await restore(docId, args.version, by);
          if (!outcome) {
            fail(CloseCode.BAD_REQUEST, `no version ${JSON.stringify(args.version)}`);
            return;
          }
          send({
            ok: true,
            result: {
              restored: outcome.restored.id,
              before: outcome.before?.id ?? null,
              after: outcome.after?.id ?? null,
            },
          });
          return;
        }
        default:
          fail(CloseCode.BAD_REQUEST, `unknown operation ${request.op}`);
      }
    };
    run().catch((error: unknown) => {
      deps.log.warn('history request failed', { docId, op: request.op, error });
      fail(CloseCode.RETRY, `history unavailable: ${(error as Error).message}`);
    });
  }

  async function listOf(docId: string): Promise<readonly VersionRecord[]> {
    return readVersions((await deps.acquire(historyRoomOf(docId))).doc);
  }

  function summaryOf(record: VersionRecord, records: readonly VersionRecord[]): VersionSummary {
    const list = summarize(records);
    return list.find((s) => s.id === record.id) ?? (summarize([record])[0] as VersionSummary);
  }

  return {
    track,
    handleRequest,
    tick,
    cut,
    start() {
      started = true;
      if ([...tracked.values()].some((e) => e.pending)) arm();
    },
    async stop() {
      cancelTick?.();
      cancelTick = null;
      await tick().catch(() => {});
      stopped = true;
      await Promise.allSettled([...chains.values()]);
    },
  };
}

/**
 * True when `main` has insertions the newest version lacks (state vectors differ). A change
 * that only deletes leaves the state vector as it was: the keeper's pending flag (set by every
 * client update) covers those.
 */
function changedSince(main: Y.Doc, newest: VersionRecord): boolean {
  const sv = Y.encodeStateVector(main);
  const old = newest.stateVector;
  return sv.length !== old.length || sv.some((byte, i) => byte !== old[i]);
}
