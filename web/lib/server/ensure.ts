import type { Etcd3 } from 'etcd3';
import type { Logger } from '../../../ring/index.ts';
import type { DocIndex } from './doc-index.ts';
import type { DocRecord } from './doc-record.ts';

export interface EnsureDeps {
  readonly client: Etcd3;
  readonly index: DocIndex;
  /** etcd key of the seeding claim of `docId` (held with a lease while seeding). */
  readonly claimKey: (docId: string) => string;
  /** Writes the initial content to the owner (see `seedDocument`). */
  readonly seed: (record: DocRecord) => Promise<unknown>;
  readonly log: Logger;
  /** TTL of the claim lease in seconds (default 10): a crashed seeder frees it this fast. */
  readonly claimTtlSeconds?: number;
  /** Poll interval while another process seeds (default 100 ms). */
  readonly pollMs?: number;
}

/**
 * Makes sure `docId` exists in the index and holds its initial content exactly once
 * (DESIGN W4), however many tabs or web processes ask at once:
 * 1. create the index record if absent (etcd txn on create revision 0);
 * 2. if it is not yet seeded, take the seeding claim (txn create-if-absent with a lease) —
 *    the winner writes the content to the owner node, waits for the durable ACK, marks the
 *    record seeded and releases the claim; everyone else polls until the record is seeded
 *    (or the claim frees up because its holder died, and then competes again).
 * Resolves with the seeded record; rejects after `timeoutMs` or when seeding fails for good.
 */
export async function ensureDocument(
  deps: EnsureDeps,
  docId: string,
  title: string | undefined,
  timeoutMs = 20_000,
): Promise<DocRecord> {
  const deadline = Date.now() + timeoutMs;
  let { record } = await deps.index.createIfAbsent(docId, title);
  while (!record.seeded) {
    if (Date.now() > deadline) throw new Error(`document ${docId} was not seeded in time`);
    const won = await tryClaimAndSeed(deps, record);
    if (won) {
      record = won;
      break;
    }
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 100));
    const latest = await deps.index.get(docId);
    if (!latest) throw new Error(`document ${docId} disappeared from the index`);
    record = latest;
  }
  return record;
}

/** Seeds under the claim if this call wins it; `null` when someone else holds it. */
async function tryClaimAndSeed(deps: EnsureDeps, record: DocRecord): Promise<DocRecord | null> {
  const key = deps.claimKey(record.id);
  const lease = deps.client.lease(deps.claimTtlSeconds ?? 10, { autoKeepAlive: true });
  lease.on('lost', () => deps.log.warn('seeding claim lease lost', { docId: record.id }));
  try {
    const leaseId = await lease.grant();
    const claimed = await deps.client
      .if(key, 'Create', '==', 0)
      .then(deps.client.put(key).value(String(process.pid)).lease(leaseId))
      .commit();
    if (!claimed.succeeded) return null;
    const fresh = await deps.index.get(record.id);
    if (fresh?.seeded) return fresh;
    const outcome = await deps.seed(record);
    deps.log.info('document seeded', { docId: record.id, outcome });
    const marked = await deps.index.markSeeded(record.id);
    if (!marked) throw new Error(`document ${record.id} disappeared from the index`);
    return marked;
  } finally {
    await lease.revoke().catch(() => {});
  }
}
