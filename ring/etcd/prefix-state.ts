/** One key under a watched prefix, as etcd last reported it. */
export interface PrefixEntry {
  readonly key: string;
  readonly value: Buffer;
  readonly modRevision: number;
  readonly createRevision: number;
}

/** An immutable copy of every key under a prefix, as of etcd revision `revision`. */
export interface PrefixSnapshot {
  readonly revision: number;
  readonly entries: ReadonlyMap<string, PrefixEntry>;
}

/** What a snapshot changed relative to the one published before it. */
export interface PrefixUpdate {
  readonly snapshot: PrefixSnapshot;
  readonly previous: PrefixSnapshot | null;
  /** Keys added, removed or rewritten since `previous` (all keys for the first snapshot). */
  readonly changed: ReadonlySet<string>;
  /** `list`: first or re-list; `events`: watch events; `catch-up`: revision advanced by a read. */
  readonly cause: 'list' | 'events' | 'catch-up';
}

/** A key-value as etcd3 returns it (range results and watch events). */
export interface RawKeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly mod_revision: string;
  readonly create_revision: string;
}

export interface RawEvent {
  readonly type: 'Put' | 'Delete';
  readonly kv: RawKeyValue;
}

/**
 * The pure bookkeeping of a list-then-watch view of one prefix (DESIGN R5), kept apart from I/O
 * so it can be tested without etcd.
 *
 * - `applied` is the revision up to which every event has been applied to the working map; a
 *   watch resumes from `applied + 1`.
 * - `revision` is the revision of the last *published* snapshot (the epoch).
 * - `catchUp` may publish a revision ahead of `applied` after a read proved the state at that
 *   revision equals the working map (same keys, same mod revisions); events up to that revision
 *   (only keys created and deleted in between can remain) are then applied silently.
 */
export class PrefixState {
  private working = new Map<string, PrefixEntry>();
  private published: PrefixSnapshot | null = null;
  private appliedRevision = 0;
  private pending = new Set<string>();

  /** The last published snapshot, or `null` before the first list. */
  snapshot(): PrefixSnapshot | null {
    return this.published;
  }

  /** Revision up to which events have been applied (0 before the first list). */
  applied(): number {
    return this.appliedRevision;
  }

  /** Replaces everything with a linearizable list taken at `revision`; always publishes. */
  reset(kvs: readonly RawKeyValue[], revision: number): PrefixUpdate {
    const next = new Map<string, PrefixEntry>();
    for (const kv of kvs) {
      const entry = toEntry(kv);
      next.set(entry.key, entry);
    }
    const previous = this.published;
    const changed = new Set<string>();
    for (const [key, entry] of next) {
      if (previous?.entries.get(key)?.modRevision !== entry.modRevision) changed.add(key);
    }
    if (previous) for (const key of previous.entries.keys()) if (!next.has(key)) changed.add(key);
    this.working = next;
    this.appliedRevision = revision;
    this.pending.clear();
    return this.publish(revision, changed, 'list');
  }

  /**
   * Applies one watch response. Returns the update to publish, or `null` when nothing is to be
   * published (no events, or all at or below the published revision after a catch-up).
   */
  applyEvents(events: readonly RawEvent[]): PrefixUpdate | null {
    if (this.published === null) throw new Error('applyEvents before the first list');
    let last = 0;
    for (const event of events) {
      const revision = Number(event.kv.mod_revision);
      if (revision <= this.appliedRevision) continue;
      const key = event.kv.key.toString('utf8');
      if (event.type === 'Delete') this.working.delete(key);
      else this.working.set(key, toEntry(event.kv));
      this.pending.add(key);
      this.appliedRevision = revision;
      last = revision;
    }
    if (last === 0 || last <= this.published.revision) return null;
    return this.publish(last, this.takePending(), 'events');
  }

  /**
   * `kvs` is the prefix as read at `revision`. If it equals the working map (same keys, same mod
   * revisions) the state at `revision` is known: publishes it with that revision. Otherwise, or
   * when already at or past `revision`, returns `null`.
   */
  catchUp(kvs: readonly RawKeyValue[], revision: number): PrefixUpdate | null {
    const published = this.published;
    if (published === null || revision <= published.revision) return null;
    if (kvs.length !== this.working.size) return null;
    for (const kv of kvs) {
      const mine = this.working.get(kv.key.toString('utf8'));
      if (!mine || mine.modRevision !== Number(kv.mod_revision)) return null;
    }
    return this.publish(revision, this.takePending(), 'catch-up');
  }

  /** Keys touched since the last publish whose entry differs from the published one. */
  private takePending(): Set<string> {
    const changed = new Set<string>();
    const published = this.published;
    for (const key of this.pending) {
      if (published?.entries.get(key)?.modRevision !== this.working.get(key)?.modRevision) {
        changed.add(key);
      }
    }
    this.pending.clear();
    return changed;
  }

  private publish(
    revision: number,
    changed: ReadonlySet<string>,
    cause: PrefixUpdate['cause'],
  ): PrefixUpdate {
    const previous = this.published;
    const snapshot: PrefixSnapshot = { revision, entries: new Map(this.working) };
    this.published = snapshot;
    return { snapshot, previous, changed, cause };
  }
}

function toEntry(kv: RawKeyValue): PrefixEntry {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value,
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}
