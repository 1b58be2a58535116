import { createRing } from '../../../ring/core/ring.ts';
import type { Ring } from '../../../ring/core/types.ts';
import type { MemberRecord, MemberState } from '../../../ring/etcd/member-record.ts';
import type { RingView } from '../../../ring/etcd/types.ts';
import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';

/** A node's watch of the member set: views arrive in epoch order, each after its own delay. */
export interface ViewSubscription {
  /** Stops deliveries (the node is cut off from etcd); views published meanwhile queue up. */
  stall(): void;
  /** Resumes: the latest view arrives after a delay. */
  resume(): void;
  readonly stalled: boolean;
  close(): void;
}

/** The etcd of the simulation: member records with leases, revisions and watches. */
export interface SimMembership {
  /** The newest view (what a linearizable read returns). */
  current(): RingView;
  /** Writes `members/<id>` owned by lease `lease`; a new revision. */
  put(record: MemberRecord, lease: number): void;
  /** Deletes `members/<id>` if lease `lease` still owns it (lease expiry or revoke). */
  expire(id: string, lease: number): void;
  /** The lease owning `members/<id>`, if the record exists. */
  leaseOf(id: string): number | undefined;
  /** A new lease id. */
  grantLease(): number;
  subscribe(deliver: (view: RingView) => void): ViewSubscription;
  /** Deliveries still scheduled (for the settle check). */
  inFlight(): number;
  /** The rest of the keyspace (settings, generations, drain requests, markers, links). */
  readonly kv: SimKv;
}

/** etcd's plain keys, linearizable; watchers are called synchronously on every change. */
export interface SimKv {
  get(key: string): string | undefined;
  put(key: string, value: string): void;
  delete(key: string): void;
  deletePrefix(prefix: string): void;
  list(prefix: string): Array<[string, string]>;
  /** Writes `value` unless `key` exists; returns what `key` holds afterwards. */
  createIfAbsent(key: string, value: string): string;
  /** Calls `listener(key, value | null)` for every change under `prefix`. */
  watch(prefix: string, listener: (key: string, value: string | null) => void): () => void;
}

export interface SimMembershipOptions {
  readonly clock: SimClock;
  readonly prng: Prng;
  readonly vnodes: number;
  /** Called with a line for every new revision (schedule log). */
  readonly trace: (line: string) => void;
  /** Called with every new view (after `trace`). */
  readonly onRevision?: (view: RingView) => void;
}

interface Subscriber {
  deliver(view: RingView): void;
  delivered: number;
  lastAt: number;
  stalled: boolean;
  closed: boolean;
}

/**
 * Members with leases and a revision counter; the ring of a view holds the `active` members.
 * Watches deliver views in epoch order after random delays (0–40 ms, sometimes 100–400 ms),
 * so nodes see a change at different times; a delivery now and then jumps straight to the
 * newest view (a watch that re-listed after compaction skips revisions, R5).
 */
export function createSimMembership(options: SimMembershipOptions): SimMembership {
  const { clock, prng } = options;
  const records = new Map<string, { record: MemberRecord; lease: number }>();
  const rings = new Map<string, Ring>();
  const subscribers = new Set<Subscriber>();
  const kv = createSimKv(options.trace);
  let revision = 1;
  let nextLease = 1;
  let inFlight = 0;

  const ringOf = (ids: string[]): Ring => {
    const key = ids.join(',');
    let ring = rings.get(key);
    if (!ring) {
      ring = createRing(ids, { vnodes: options.vnodes });
      rings.set(key, ring);
    }
    return ring;
  };

  const build = (): RingView => {
    const members = new Map<string, MemberRecord>();
    for (const [id, entry] of [...records].sort(([a], [b]) => (a < b ? -1 : 1))) {
      members.set(id, entry.record);
    }
    const active = [...members.values()].filter((r) => r.state === 'active').map((r) => r.id);
    return { ring: ringOf(active), epoch: revision, members };
  };
  let view = build();

  const schedule = (sub: Subscriber) => {
    const wait = prng.chance(0.15) ? prng.int(100, 400) : prng.int(0, 40);
    const at = Math.max(clock.now() + wait, sub.lastAt);
    sub.lastAt = at;
    const target = view;
    const jump = prng.chance(0.1);
    inFlight++;
    clock.after(at - clock.now(), () => {
      inFlight--;
      if (sub.closed || sub.stalled) return;
      const next = jump ? view : target;
      if (next.epoch <= sub.delivered) return;
      sub.delivered = next.epoch;
      sub.deliver(next);
    });
  };

  const publish = () => {
    revision++;
    view = build();
    const states = [...view.members.values()].map((r) => `${r.id}:${shortState(r.state)}`);
    options.trace(`etcd rev ${view.epoch}: ${states.join(' ') || '(empty)'}`);
    options.onRevision?.(view);
    for (const sub of subscribers) if (!sub.stalled && !sub.closed) schedule(sub);
  };

  return {
    current: () => view,
    put(record, lease) {
      records.set(record.id, { record, lease });
      publish();
    },
    expire(id, lease) {
      if (records.get(id)?.lease !== lease) return;
      records.delete(id);
      publish();
    },
    leaseOf: (id) => records.get(id)?.lease,
    grantLease: () => nextLease++,
    subscribe(deliver) {
      const sub: Subscriber = { deliver, delivered: 0, lastAt: 0, stalled: false, closed: false };
      subscribers.add(sub);
      schedule(sub);
      return {
        get stalled() {
          return sub.stalled;
        },
        stall() {
          sub.stalled = true;
        },
        resume() {
          if (!sub.stalled) return;
          sub.stalled = false;
          sub.lastAt = 0;
          schedule(sub);
        },
        close() {
          sub.closed = true;
          subscribers.delete(sub);
        },
      };
    },
    inFlight: () => inFlight,
    kv,
  };
}

/** Public and internal base URLs of simulated node `id`. */
export function simUrls(id: string): { publicUrl: string; internalUrl: string } {
  return { publicUrl: `ws://${id}.sim`, internalUrl: `ws://${id}.sim:9` };
}

/** The node id behind a URL from `simUrls`, or `null`. */
export function nodeOfUrl(url: string): string | null {
  const match = /^ws:\/\/([^.]+)\.sim(:9)?$/.exec(url);
  return match?.[1] ?? null;
}

/** A member record for simulated node `id`. */
export function simRecord(id: string, state: MemberState): MemberRecord {
  return {
    id,
    ...simUrls(id),
    build: 'sim',
    protocol: { min: 1, max: 1 },
    state,
    startedAt: 0,
  };
}

function shortState(state: MemberState): string {
  return state === 'active' ? 'A' : state === 'joining' ? 'J' : 'D';
}

function createSimKv(trace: (line: string) => void): SimKv {
  const entries = new Map<string, string>();
  const watchers = new Set<{
    prefix: string;
    listener: (key: string, value: string | null) => void;
  }>();
  const notify = (key: string, value: string | null) => {
    for (const w of [...watchers]) if (key.startsWith(w.prefix)) w.listener(key, value);
  };
  const kv: SimKv = {
    get: (key) => entries.get(key),
    put(key, value) {
      entries.set(key, value);
      notify(key, value);
    },
    delete(key) {
      if (entries.delete(key)) notify(key, null);
    },
    deletePrefix(prefix) {
      for (const key of [...entries.keys()]) if (key.startsWith(prefix)) kv.delete(key);
    },
    list: (prefix) => [...entries].filter(([key]) => key.startsWith(prefix)),
    createIfAbsent(key, value) {
      const recorded = entries.get(key);
      if (recorded !== undefined) return recorded;
      trace(`etcd: ${key} = ${value.slice(0, 6)}`);
      kv.put(key, value);
      return value;
    },
    watch(prefix, listener) {
      const watcher = { prefix, listener };
      watchers.add(watcher);
      return () => void watchers.delete(watcher);
    },
  };
  return kv;
}
