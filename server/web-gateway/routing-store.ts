import type { Etcd3 } from 'etcd3';
import { createKeyspace } from '../../ring/etcd/keys.ts';
import { type GatewayRouting, parseGatewayRouting } from './routing.ts';

/** Reads and writes `<prefix>web-gateway` (compare-and-swap on its revision). */
export interface RoutingStore {
  readonly key: string;
  /** The stored routing, `null` when none; rejects on a record it cannot read. */
  read(): Promise<GatewayRouting | null>;
  /** Writes `routing` unconditionally (launchers at start). */
  write(routing: GatewayRouting): Promise<void>;
  /** Read-modify-write, retried on contention; resolves with the stored result. */
  modify(change: (current: GatewayRouting) => GatewayRouting): Promise<GatewayRouting>;
}

export function createRoutingStore(client: Etcd3, prefix: string): RoutingStore {
  const key = createKeyspace(prefix).webGatewayKey();
  const readRaw = async () => {
    const response = await client.get(key).exec();
    const kv = response.kvs[0];
    if (!kv) return null;
    const routing = parseGatewayRouting(kv.value.toString('utf8'));
    if (routing instanceof Error) throw new Error(`${key}: ${routing.message}`);
    return { routing, revision: kv.mod_revision };
  };
  return {
    key,
    async read() {
      return (await readRaw())?.routing ?? null;
    },
    async write(routing) {
      await client.put(key).value(JSON.stringify(routing));
    },
    async modify(change) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const current = await readRaw();
        if (!current) throw new Error(`${key} is not set: no web gateway routing to change`);
        const next = change(current.routing);
        if (next === current.routing) return next;
        const result = await client
          .if(key, 'Mod', '==', current.revision)
          .then(client.put(key).value(JSON.stringify(next)))
          .commit();
        if (result.succeeded) return next;
      }
      throw new Error(`${key}: too much contention updating the web gateway routing`);
    },
  };
}
