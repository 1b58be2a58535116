import { createHash } from 'node:crypto';
import type { Logger } from '../../ring/index.ts';
import type { Permission } from '../../server/protocol/index.ts';
import type { Cluster } from './cluster.ts';
import { clusterMeta } from './meta.ts';

/**
 * A live share link for `docId` with `perm`, written into the document's own metadata on its
 * owner node (P21, PROTOCOL K3: nodes accept only tickets of live links the document keeps);
 * one link per document and permission. The document's index entry is created (adopted, as an
 * operator may, when a stock client already wrote content) if it has none. Returns its id.
 */
export async function liveLink(
  cluster: Cluster,
  docId: string,
  perm: Permission,
  log: Logger,
): Promise<string> {
  const id = `l${createHash('sha256').update(`${docId}:${perm}`).digest('base64url').slice(0, 20)}`;
  const { nodes, close } = await clusterMeta(cluster, log);
  try {
    const ensured = await nodes.call(docId, 'ensure', { adopt: true });
    if (ensured.status !== 200 && ensured.status !== 201) {
      throw new Error(`ensure ${docId}: ${ensured.status} ${JSON.stringify(ensured.body)}`);
    }
    const created = await nodes.call(docId, 'link.create', {
      id,
      perm,
      secretHash: createHash('sha256').update(id).digest('hex'),
    });
    if (created.status !== 201 && created.status !== 409) {
      throw new Error(`link ${id}: ${created.status} ${JSON.stringify(created.body)}`);
    }
  } finally {
    await close();
  }
  return id;
}
