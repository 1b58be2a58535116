import * as Y from 'yjs';

/** `auto`: cut by the owner node (after a stretch of editing, when the last editor left, around a restore); `named`: by a user. */
export type VersionKind = 'auto' | 'named';

/**
 * One version of a document, kept in its history sub-room `<docId>/versions` (W6).
 *
 * A version's state is the merge of the diffs from the latest checkpoint at or before it up to
 * it (`versionUpdate`): `diff` is `Y.encodeStateAsUpdate(doc, previous.stateVector)` taken when
 * the version was cut, so a version costs what changed since the previous one, not a copy.
 */
export interface VersionRecord {
  readonly id: string;
  readonly kind: VersionKind;
  /** The user's name for a named version; `''` for automatic ones. */
  readonly name: string;
  /** Why an automatic version was cut (`edits`, `last editor left`, `before restoring …`). */
  readonly label: string;
  /** When it was cut (ms since the epoch, the cutting node's clock). */
  readonly at: number;
  /** Who edited since the previous version (awareness names), sorted. */
  readonly authors: readonly string[];
  /** The document's state vector when the version was cut. */
  readonly stateVector: Uint8Array;
  /** The Yjs update since the previous version (or the full state at a checkpoint). */
  readonly diff: Uint8Array;
  /** `diff` is a full state: the chain of this version starts here. */
  readonly checkpoint: boolean;
}

/** Metadata of a version without its bytes (lists, the CLI's `--json`). */
export interface VersionSummary {
  readonly id: string;
  /** 1-based position in the history (oldest is 1); changes when retention thins older ones. */
  readonly number: number;
  readonly kind: VersionKind;
  readonly name: string;
  readonly label: string;
  readonly at: number;
  readonly authors: readonly string[];
  /** Bytes this version stores (its diff). */
  readonly bytes: number;
  readonly checkpoint: boolean;
}

/** The Y.Array of the history room that holds the records, oldest first. */
export const VERSIONS_KEY = 'versions';

/** Name of a document's history sub-room (routes with the document, R3). */
export function historyRoomOf(docId: string): string {
  return `${docId}/versions`;
}

/** The document a history sub-room belongs to, or `null` when `roomId` is not one. */
export function documentOfHistoryRoom(roomId: string): string | null {
  const at = roomId.indexOf('/');
  if (at <= 0 || roomId.slice(at + 1) !== 'versions') return null;
  return roomId.slice(0, at);
}

type Stored = Record<string, unknown>;

function toStored(r: VersionRecord): Stored {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    label: r.label,
    at: r.at,
    authors: [...r.authors],
    sv: r.stateVector,
    diff: r.diff,
    checkpoint: r.checkpoint,
  };
}

function fromStored(value: unknown): VersionRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Stored;
  if (
    typeof v.id !== 'string' ||
    (v.kind !== 'auto' && v.kind !== 'named') ||
    typeof v.at !== 'number' ||
    !(v.sv instanceof Uint8Array) ||
    !(v.diff instanceof Uint8Array)
  ) {
    return null;
  }
  return {
    id: v.id,
    kind: v.kind,
    name: typeof v.name === 'string' ? v.name : '',
    label: typeof v.label === 'string' ? v.label : '',
    at: v.at,
    authors: Array.isArray(v.authors) ? v.authors.filter((a) => typeof a === 'string') : [],
    stateVector: v.sv,
    diff: v.diff,
    checkpoint: v.checkpoint === true,
  };
}

function versionsArray(history: Y.Doc): Y.Array<unknown> {
  return history.getArray<unknown>(VERSIONS_KEY);
}

/** Every version of a history doc, oldest first (records that do not parse are skipped). */
export function readVersions(history: Y.Doc): VersionRecord[] {
  const out: VersionRecord[] = [];
  for (const value of versionsArray(history).toArray()) {
    const record = fromStored(value);
    if (record) out.push(record);
  }
  return out;
}

/** The metadata of `records`, numbered from 1. */
export function summarize(records: readonly VersionRecord[]): VersionSummary[] {
  return records.map((r, i) => ({
    id: r.id,
    number: i + 1,
    kind: r.kind,
    name: r.name,
    label: r.label,
    at: r.at,
    authors: r.authors,
    bytes: r.diff.length,
    checkpoint: r.checkpoint,
  }));
}

/** The version `ref` names: its id, or its 1-based number. `undefined` when none matches. */
export function findVersion(
  records: readonly VersionRecord[],
  ref: string,
): { record: VersionRecord; index: number } | undefined {
  const byId = records.findIndex((r) => r.id === ref);
  if (byId >= 0) return { record: records[byId] as VersionRecord, index: byId };
  if (/^[0-9]+$/.test(ref)) {
    const index = Number(ref) - 1;
    const record = records[index];
    if (record) return { record, index };
  }
  return undefined;
}

export interface CutOptions {
  readonly id: string;
  readonly kind: VersionKind;
  readonly name?: string;
  readonly label?: string;
  readonly at: number;
  readonly authors?: Iterable<string>;
  /** Store a full state instead of a diff after this many chained versions (default 50). */
  readonly checkpointEvery?: number;
  /** Transaction origin of the write into `history`. */
  readonly origin?: unknown;
}

/** Default number of chained diffs after which a version is stored as a full checkpoint. */
export const DEFAULT_CHECKPOINT_EVERY = 50;

/**
 * Appends a version of `main`'s current state to `history` and returns it: the diff since the
 * newest recorded version (a full state for the first one and every `checkpointEvery`-th).
 */
export function cutVersion(main: Y.Doc, history: Y.Doc, options: CutOptions): VersionRecord {
  const records = readVersions(history);
  const previous = records.at(-1);
  const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const chained = previous
    ? records.length - 1 - lastCheckpointIndex(records, records.length - 1)
    : 0;
  const checkpoint = previous === undefined || chained + 1 >= every;
  const record: VersionRecord = {
    id: options.id,
    kind: options.kind,
    name: options.name ?? '',
    label: options.label ?? '',
    at: options.at,
    authors: [...new Set(options.authors ?? [])].sort(),
    stateVector: Y.encodeStateVector(main),
    diff: checkpoint
      ? Y.encodeStateAsUpdate(main)
      : Y.encodeStateAsUpdate(main, previous.stateVector),
    checkpoint,
  };
  history.transact(() => versionsArray(history).push([toStored(record)]), options.origin);
  return record;
}

function lastCheckpointIndex(records: readonly VersionRecord[], upTo: number): number {
  for (let i = upTo; i >= 0; i--) if (records[i]?.checkpoint) return i;
  return 0;
}

/** The Yjs update that recreates version `index` of `records` (merge of its chain). */
export function versionUpdate(records: readonly VersionRecord[], index: number): Uint8Array {
  if (!records[index]) throw new RangeError(`no version at index ${index}`);
  const start = lastCheckpointIndex(records, index);
  const diffs = records.slice(start, index + 1).map((r) => r.diff);
  return diffs.length === 1 ? (diffs[0] as Uint8Array) : Y.mergeUpdates(diffs);
}

/** A fresh Y.Doc holding version `index` of `records` (destroy it when done). */
export function versionDoc(records: readonly VersionRecord[], index: number): Y.Doc {
  if (!records[index]) throw new RangeError(`no version at index ${index}`);
  const doc = new Y.Doc();
  // Applying the chain's diffs in one transaction is cheaper than merging them first.
  doc.transact(() => {
    for (let i = lastCheckpointIndex(records, index); i <= index; i++) {
      Y.applyUpdate(doc, (records[i] as VersionRecord).diff);
    }
  });
  return doc;
}

/**
 * Drops the versions whose ids are in `drop` from `history` (retention), folding each dropped
 * diff into the version after it so every kept version's state is unchanged. The newest
 * version is never dropped. Returns how many were dropped.
 */
export function dropVersions(history: Y.Doc, drop: ReadonlySet<string>, origin?: unknown): number {
  const array = versionsArray(history);
  let dropped = 0;
  history.transact(() => {
    for (let i = array.length - 2; i >= 0; i--) {
      const record = fromStored(array.get(i));
      const next = fromStored(array.get(i + 1));
      if (!record || !next || !drop.has(record.id)) continue;
      const merged: VersionRecord = next.checkpoint
        ? next
        : {
            ...next,
            diff: Y.mergeUpdates([record.diff, next.diff]),
            checkpoint: record.checkpoint,
            authors: [...new Set([...record.authors, ...next.authors])].sort(),
          };
      array.delete(i, 2);
      array.insert(i, [toStored(merged)]);
      dropped++;
    }
  }, origin);
  return dropped;
}

/**
 * Who changed the document between version `from` and version `to` (indexes; `to` may be
 * `records.length` for "now"): the authors recorded with the versions after `from` up to `to`,
 * sorted. What was typed after the newest version is not attributed until a version is cut.
 */
export function authorsBetween(
  records: readonly VersionRecord[],
  from: number,
  to: number,
): string[] {
  const [lo, hi] = from <= to ? [from, to] : [to, from];
  const names = new Set<string>();
  for (let i = lo + 1; i <= Math.min(hi, records.length - 1); i++) {
    for (const name of (records[i] as VersionRecord).authors) names.add(name);
  }
  return [...names].sort();
}

/** Bytes `history` stores for its versions (sum of diffs). */
export function storedBytes(records: readonly VersionRecord[]): number {
  return records.reduce((n, r) => n + r.diff.length + r.stateVector.length, 0);
}
