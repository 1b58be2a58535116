/**
 * Durable storage of Yjs documents, one implementation per backend
 * (DESIGN N2). Every implementation must pass `store.contract.ts`.
 *
 * Only Yjs binary updates are stored — never text or JSON — so a restart never
 * rebuilds state that reconnecting clients would merge as a second history.
 */
export interface StoredDoc {
  /** Updates to apply in order (a snapshot, if any, first). Never empty. */
  readonly updates: readonly Uint8Array[];
  /** Generation id of the document (DESIGN M7), fixed when it was first stored. */
  readonly generation: string;
  /** Total stored bytes (snapshot + log) for metrics and compaction decisions. */
  readonly bytes: number;
}

export interface CompactOptions {
  /** Compact only documents holding at least this many updates beside their snapshot. */
  readonly minEntries?: number;
}

export interface DocStore {
  /**
   * Reads a document. Resolves `null` when the document was never stored.
   * Rejects with `StoreCorruptError` when stored bytes cannot be read back (the bytes
   * are left untouched) or `StoreIoError` on disk errors. A failed load creates nothing.
   */
  load(docId: string): Promise<StoredDoc | null>;
  /**
   * Appends one update. Resolves only once the update is durable (group commit:
   * fsync batched over a few ms). `generation` is recorded when the document is new.
   * Rejects with `StoreIoError` if the write or fsync fails; the update is then not durable.
   * Rejects with `GenerationMismatchError`, storing nothing, when the document is stored under
   * another generation (M7: two unrelated histories are never merged).
   */
  append(docId: string, update: Uint8Array, generation: string): Promise<void>;
  /**
   * Merges the log into a snapshot. Safe to call concurrently with `append`. With `minEntries`,
   * does nothing while fewer updates than that were stored since the snapshot: reading a few
   * entries back costs less than rewriting the document (issue 14).
   */
  compact(docId: string, options?: CompactOptions): Promise<void>;
  /** Ids of every stored document. */
  list(): Promise<string[]>;
  /**
   * Removes a document durably; resolves `true` once it is gone (also when it was absent).
   * With `ifBytes`, removes it only if its stored bytes still equal `ifBytes` (the `bytes` a
   * `load` returned: nothing was appended or compacted since), atomically with respect to
   * appends, and else resolves `false` and keeps it (M6: a hand-off never deletes a copy that
   * holds updates the receivers were not sent).
   */
  delete(docId: string, ifBytes?: number): Promise<boolean>;
  /** Flushes pending appends and releases files. Further calls reject. */
  close(): Promise<void>;
}

/** Stored bytes of a document cannot be decoded. */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
  constructor(
    readonly docId: string,
    detail: string,
  ) {
    super(`stored document ${JSON.stringify(docId)} is corrupt: ${detail}`);
  }
}

/** The storage medium failed (EIO, ENOSPC, EACCES, store closed…). */
export class StoreIoError extends Error {
  override readonly name = 'StoreIoError';
  constructor(
    readonly docId: string,
    override readonly cause: unknown,
  ) {
    super(
      `store I/O failed for ${JSON.stringify(docId)}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/** An append of another generation than the stored document's (M7); nothing was stored. */
export class GenerationMismatchError extends Error {
  override readonly name = 'GenerationMismatchError';
  constructor(
    readonly docId: string,
    readonly stored: string,
    readonly offered: string,
  ) {
    super(
      `document ${JSON.stringify(docId)} is stored under generation ${stored}, not ${offered} (M7): not merged`,
    );
  }
}

/**
 * Splits a batch of appends by generation (M7): the stored document's generation, or for a new
 * document the first item's. Returns the generation to keep, the items to write and one entry
 * per item (`GenerationMismatchError` for a refused one, `undefined` otherwise).
 */
export function partitionByGeneration<T extends { readonly generation: string }>(
  docId: string,
  stored: string | null,
  items: readonly T[],
): { generation: string; accepted: T[]; outcome: Array<GenerationMismatchError | undefined> } {
  const generation = stored ?? items[0]?.generation ?? '';
  const accepted: T[] = [];
  const outcome = items.map((item) => {
    if (item.generation === generation) {
      accepted.push(item);
      return undefined;
    }
    return new GenerationMismatchError(docId, generation, item.generation);
  });
  return { generation, accepted, outcome };
}
