import { createHash } from 'node:crypto';
import { createEtcdClient, createKeyspace, type Logger } from '../../ring/index.ts';
import { encodeLinkRecord } from '../../server/auth/index.ts';
import type { Permission } from '../../server/protocol/index.ts';
import type { Cluster } from './cluster.ts';

/**
 * A live share link for `docId` with `perm`, its record written to the cluster's etcd (P21:
 * nodes accept only tickets of live links); one link per document and permission. Returns its id.
 */
export async function liveLink(
  cluster: Cluster,
  docId: string,
  perm: Permission,
  log: Logger,
): Promise<string> {
  const id = `l${createHash('sha256').update(`${docId}:${perm}`).digest('base64url').slice(0, 20)}`;
  const client = createEtcdClient({ endpoints: [cluster.etcd.endpoint], log });
  try {
    await client.put(createKeyspace(cluster.prefix).linkKey(id)).value(
      encodeLinkRecord({
        id,
        doc: docId,
        perm,
        created: Date.now(),
        secretHash: 'x',
        revoked: false,
        revokedAt: null,
      }),
    );
  } finally {
    client.close();
  }
  return id;
}
