import type { Etcd3, Lease } from 'etcd3';
import { createKeyspace, type RolloutKind } from '../../ring/etcd/keys.ts';
import { encodeRollout, parseRollout } from './codec.ts';
import { isTerminal, type NodeRollout } from './machine.ts';
import { encodeWebRollout, parseWebRollout } from './web-codec.ts';
import { isWebTerminal, type WebRollout } from './web-machine.ts';

/**
 * Where the one rollout of a kind lives: `<prefix>rollouts/nodes` or `<prefix>rollouts/web`
 * (R7: one key per cluster and kind).
 */
export interface RecordStore<R> {
  /** The current rollout (finished ones stay until the next starts), or `null`. Rejects on a record it cannot read. */
  read(): Promise<R | null>;
  /** Stores a new rollout unless one is under way (then resolves with that one, storing nothing). */
  create(rollout: R): Promise<{ created: true } | { created: false; current: R }>;
  /**
   * Read-modify-write with compare-and-swap on the key's revision, retried on contention: an
   * operator's `pause` and the driver's progress never overwrite each other. Resolves with the
   * stored result, or `null` when there is no rollout.
   */
  modify(change: (current: R) => R): Promise<R | null>;
  /**
   * Takes the driver lock (`rollout-drivers/<kind>`, held with a lease of `ttlSeconds`): only one
   * CLI drives a rollout; a killed one's lock expires after its TTL. Resolves `false` when another
   * live driver holds it.
   */
  lockDriver(holder: string, ttlSeconds?: number): Promise<boolean>;
  /** Releases the driver lock (revokes its lease). */
  unlockDriver(): Promise<void>;
}

/** The node rollout's store. */
export type RolloutStore = RecordStore<NodeRollout>;
/** The web rollout's store. */
export type WebRolloutStore = RecordStore<WebRollout>;

/** How a kind's record is stored. */
interface RecordCodec<R> {
  encode(r: R): string;
  parse(text: string): R | Error;
  isTerminal(r: R): boolean;
}

/** The etcd-backed {@link RolloutStore} under `prefix`. */
export function createRolloutStore(client: Etcd3, prefix: string): RolloutStore {
  return createRecordStore(client, prefix, 'nodes', {
    encode: encodeRollout,
    parse: parseRollout,
    isTerminal,
  });
}

/** The etcd-backed {@link WebRolloutStore} under `prefix`. */
export function createWebRolloutStore(client: Etcd3, prefix: string): WebRolloutStore {
  return createRecordStore(client, prefix, 'web', {
    encode: encodeWebRollout,
    parse: parseWebRollout,
    isTerminal: isWebTerminal,
  });
}

function createRecordStore<R>(
  client: Etcd3,
  prefix: string,
  kind: RolloutKind,
  codec: RecordCodec<R>,
): RecordStore<R> {
  const keys = createKeyspace(prefix);
  const key = keys.rolloutKey(kind);
  const driverKey = keys.rolloutDriverKey(kind);
  let lease: Lease | null = null;

  const readRaw = async () => {
    const response = await client.get(key).exec();
    const kv = response.kvs[0];
    if (!kv) return null;
    const rollout = codec.parse(kv.value.toString('utf8'));
    if (rollout instanceof Error) throw new Error(`${key}: ${rollout.message}`);
    return { rollout, revision: kv.mod_revision };
  };

  return {
    async read() {
      return (await readRaw())?.rollout ?? null;
    },
    async create(rollout) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const current = await readRaw();
        if (current && !codec.isTerminal(current.rollout))
          return { created: false, current: current.rollout };
        const guard = current
          ? client.if(key, 'Mod', '==', current.revision)
          : client.if(key, 'Create', '==', 0);
        const result = await guard.then(client.put(key).value(codec.encode(rollout))).commit();
        if (result.succeeded) return { created: true };
      }
      throw new Error(`${key}: too much contention creating the rollout`);
    },
    async modify(change) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const current = await readRaw();
        if (!current) return null;
        const next = change(current.rollout);
        if (next === current.rollout) return next;
        const result = await client
          .if(key, 'Mod', '==', current.revision)
          .then(client.put(key).value(codec.encode(next)))
          .commit();
        if (result.succeeded) return next;
      }
      throw new Error(`${key}: too much contention updating the rollout`);
    },
    async lockDriver(holder, ttlSeconds = 5) {
      if (lease) return true;
      const candidate = client.lease(ttlSeconds);
      candidate.on('lost', () => {});
      const id = await candidate.grant();
      const result = await client
        .if(driverKey, 'Create', '==', 0)
        .then(client.put(driverKey).value(holder).lease(id))
        .commit();
      if (!result.succeeded) {
        await candidate.revoke().catch(() => {});
        return false;
      }
      lease = candidate;
      return true;
    },
    async unlockDriver() {
      const held = lease;
      lease = null;
      await held?.revoke().catch(() => {});
    },
  };
}
