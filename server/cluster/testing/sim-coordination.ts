import {
  createKeyspace,
  type Keyspace,
  type MemberRecord,
  type MemberState,
  type Membership,
  type RingView,
} from '../../../ring/index.ts';
import type { Coordination } from '../../coordination/coordination.ts';
import type { Logger } from '../../log.ts';
import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';
import type { SimMembership, ViewSubscription } from './sim-membership.ts';

/** A node's coordination in the simulation, with the faults the fuzz injects. */
export interface SimCoordination extends Coordination {
  /** Cut off from etcd: no views; fenced after `fenceAfterMs`, lease lost after `expireAfterMs`. */
  partition(fenceAfterMs: number, expireAfterMs: number): void;
  /** etcd reachable again: catches up, registers again if the lease was lost, unfences. */
  heal(): void;
  readonly partitioned: boolean;
  /** Registered under a live lease (whatever the fencing). */
  readonly registered: boolean;
  readonly fenced: boolean;
  /** The state this node last asked for. */
  readonly desiredState: MemberState;
  /** The process died: nothing more happens here; its lease expires after `leaseExpiryMs`. */
  crash(leaseExpiryMs: number): void;
}

export interface SimCoordinationOptions {
  readonly id: string;
  readonly membership: SimMembership;
  readonly clock: SimClock;
  readonly prng: Prng;
  readonly log: Logger;
  readonly trace: (line: string) => void;
  /** Trace every view delivery too. */
  readonly verbose?: boolean;
  /**
   * The node process's pause gate (`sim-pause.ts`): etcd answers, views, watch events and
   * fencing reach the node through it. `clock` stays etcd's: leases expire on time.
   */
  readonly gate?: (fn: () => void) => void;
  /** etcd key prefix (default `/ringdoc/`). */
  readonly prefix?: string;
}

/**
 * The {@link Coordination} contract over the simulated etcd (`sim-membership.ts`): every
 * write takes a random 1–10 ms round trip and waits while the node is cut off; views arrive
 * with the membership's delays; fencing follows R6 (a partition fences after the TTL − 1 s,
 * the lease expires later, healing registers again). Keys are built by the production
 * keyspace.
 */
export function createSimCoordination(options: SimCoordinationOptions): SimCoordination {
  const { id, membership, clock, prng } = options;
  const gate = options.gate ?? ((fn: () => void) => fn());
  const keys: Keyspace = createKeyspace(options.prefix);
  const kv = membership.kv;
  const trace = (line: string) => options.trace(`${id} ${line}`);
  let current: RingView | null = null;
  let subscription: ViewSubscription | null = null;
  let firstView: (() => void) | null = null;
  const firstViewSeen = new Promise<void>((resolve) => {
    firstView = resolve;
  });
  const viewListeners = new Set<(view: RingView, previous: RingView | null) => void>();
  const settingListeners = new Set<(name: string) => void>();
  const fenceListeners = new Set<(fenced: boolean) => void>();
  const waiters = new Set<{ epoch: number; done: (ok: boolean) => void }>();
  const unwatch: Array<() => void> = [];
  /** Writes held back while cut off, replayed on heal. */
  const held = new Set<() => void>();
  let record: MemberRecord | null = null;
  let lease: number | null = null;
  let registered = false;
  let fenced = false;
  let partitioned = false;
  let dead = false;
  const partitionTimers: Array<() => void> = [];

  const deliver = (view: RingView) => gate(() => deliverNow(view));
  const deliverNow = (view: RingView) => {
    if (dead) return;
    const previous = current;
    current = view;
    if (options.verbose) trace(`sees view ${view.epoch} [${view.ring.members.join(',')}]`);
    firstView?.();
    firstView = null;
    for (const listener of [...viewListeners]) listener(view, previous);
    for (const w of [...waiters]) if (view.epoch >= w.epoch) w.done(true);
  };

  /** One etcd round trip: `fn` runs after it unless the process died; waits while cut off. */
  const roundTrip = <T>(fn: () => T): Promise<T> =>
    new Promise<T>((resolve) => {
      const attempt = () => {
        if (dead) return;
        if (partitioned) {
          held.add(attempt);
          return;
        }
        clock.after(prng.int(1, 10), () =>
          gate(() => {
            if (dead) return;
            if (partitioned) {
              held.add(attempt);
              return;
            }
            resolve(fn());
          }),
        );
      };
      attempt();
    });

  const setFenced = (next: boolean) => {
    if (fenced === next || dead) return;
    fenced = next;
    gate(() => {
      for (const listener of [...fenceListeners]) listener(next);
    });
  };

  /** The registered member id (the node's own id in the simulation). */
  const memberId = () => record?.id ?? id;
  const put = () => {
    if (!record) return;
    if (lease === null || membership.leaseOf(record.id) !== lease) lease = membership.grantLease();
    membership.put(record, lease);
    registered = true;
  };

  const registration: Membership = {
    id,
    record: () => {
      if (!record) throw new Error('not registered');
      return record;
    },
    async setState(state) {
      if (!record) throw new Error('not registered');
      record = { ...record, state };
      await roundTrip(put);
    },
    isFenced: () => !registered || fenced,
    onFenceChange(listener) {
      fenceListeners.add(listener);
      return () => void fenceListeners.delete(listener);
    },
    async leave() {
      const held = lease;
      await roundTrip(() => {
        if (held !== null) membership.expire(memberId(), held);
        registered = false;
      });
    },
  };

  return {
    async start() {
      subscription ??= membership.subscribe(deliver);
      await firstViewSeen;
    },
    view: () => current,
    onView(listener) {
      viewListeners.add(listener);
      return () => void viewListeners.delete(listener);
    },
    waitForEpoch(epoch, timeoutMs) {
      if ((current?.epoch ?? 0) >= epoch) return Promise.resolve(true);
      return new Promise((resolve) => {
        const waiter = {
          epoch,
          done: (ok: boolean) => {
            waiters.delete(waiter);
            cancel();
            resolve(ok);
          },
        };
        const cancel = clock.after(timeoutMs, () => gate(() => waiter.done(false)));
        waiters.add(waiter);
      });
    },
    setting: (name) => kv.get(keys.configKey(name)),
    onSetting(listener) {
      settingListeners.add(listener);
      if (settingListeners.size === 1) {
        unwatch.push(
          kv.watch(keys.configPrefix, (key) =>
            gate(() => {
              const name = keys.parseConfigKey(key);
              if (name !== null) for (const l of [...settingListeners]) l(name);
            }),
          ),
        );
      }
      return () => void settingListeners.delete(listener);
    },
    async register(initial) {
      record = initial;
      await roundTrip(put);
      return registration;
    },
    async onDrainRequest(nodeId, listener) {
      const key = keys.drainRequestKey(nodeId);
      const stop = kv.watch(key, (_key, value) =>
        gate(() => {
          if (value !== null && !dead) listener();
        }),
      );
      unwatch.push(stop);
      if (await roundTrip(() => kv.get(key) !== undefined)) listener();
      return stop;
    },
    clearDrainRequest: (nodeId) => roundTrip(() => kv.delete(keys.drainRequestKey(nodeId))),
    markPrewarmed: (joiner, owner, epoch) =>
      roundTrip(() => kv.put(keys.prewarmKey(joiner, owner), String(epoch))),
    prewarmedBy: (joiner) =>
      roundTrip(() =>
        kv
          .list(keys.prewarmPrefix(joiner))
          .map(([key]) => keys.parsePrewarmKey(joiner, key))
          .filter((owner): owner is string => owner !== null),
      ),
    clearPrewarm: (joiner) => roundTrip(() => kv.deletePrefix(keys.prewarmPrefix(joiner))),
    async close() {
      for (const stop of unwatch.splice(0)) stop();
      subscription?.close();
      for (const w of [...waiters]) w.done(false);
    },
    partition(fenceAfterMs, expireAfterMs) {
      if (dead || partitioned) return;
      trace('partitioned from etcd');
      partitioned = true;
      subscription?.stall();
      const lost = lease;
      partitionTimers.push(clock.after(fenceAfterMs, () => setFenced(true)));
      if (lost !== null) {
        partitionTimers.push(clock.after(expireAfterMs, () => membership.expire(memberId(), lost)));
      }
    },
    heal() {
      if (dead || !partitioned) return;
      trace('etcd reachable again');
      partitioned = false;
      for (const cancel of partitionTimers.splice(0)) cancel();
      subscription?.resume();
      const relisted = () => setFenced(false);
      if (lease === null || membership.leaseOf(memberId()) !== lease) {
        registered = false;
        void roundTrip(put).then(relisted);
      } else {
        void roundTrip(() => {}).then(relisted);
      }
      for (const attempt of [...held]) {
        held.delete(attempt);
        attempt();
      }
    },
    get partitioned() {
      return partitioned;
    },
    get registered() {
      return registered;
    },
    get fenced() {
      return fenced;
    },
    get desiredState() {
      return record?.state ?? 'joining';
    },
    crash(leaseExpiryMs) {
      if (dead) return;
      dead = true;
      for (const cancel of partitionTimers.splice(0)) cancel();
      for (const stop of unwatch.splice(0)) stop();
      subscription?.close();
      held.clear();
      for (const w of [...waiters]) w.done(false);
      const lost = lease;
      if (lost !== null) clock.after(leaseExpiryMs, () => membership.expire(memberId(), lost));
    },
  };
}
