import { createRing } from '../../../ring/core/ring.ts';
import type { MemberRecord } from '../../../ring/etcd/member-record.ts';
import type { RingView } from '../../../ring/etcd/types.ts';

/**
 * A view of `ids`, all active, for unit tests of the cluster modules: member `x` has the public
 * URL `ws://x` and the internal URL `int-x`.
 */
export function ringViewOf(ids: readonly string[], epoch: number): RingView {
  const members = new Map<string, MemberRecord>(
    ids.map((id) => [
      id,
      {
        id,
        publicUrl: `ws://${id}`,
        internalUrl: `int-${id}`,
        build: '1',
        protocol: { min: 1, max: 1 },
        state: 'active',
        startedAt: 0,
      },
    ]),
  );
  return { ring: createRing([...ids]), epoch, members };
}
