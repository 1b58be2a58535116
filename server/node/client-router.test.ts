import { describe, expect, it } from 'vitest';
import { createRing, type MemberRecord, type RingView } from '../../ring/index.ts';
import { DocumentLoadError, type DocumentRegistry } from '../documents/registry.ts';
import { Session } from '../documents/session.ts';
import { MemoryConnection } from '../documents/testing/memory-transport.ts';
import { createMetricsRegistry } from '../http/metrics.ts';
import { createSilentLogger } from '../log.ts';
import { createNodeMetrics } from '../node-metrics.ts';
import { CloseCode, PROTOCOL_VERSION } from '../protocol/index.ts';
import { createClientRouter } from './client-router.ts';
import { createSessionTable } from './sessions.ts';

const member = (id: string): MemberRecord => ({
  id,
  publicUrl: `ws://${id}`,
  internalUrl: `ws://${id}`,
  build: '1',
  protocol: { min: 1, max: 1 },
  state: 'active',
  startedAt: 0,
});
const view: RingView = {
  ring: createRing(['n1']),
  epoch: 3,
  members: new Map([['n1', member('n1')]]),
};

function route(acquire: () => Promise<never>) {
  const metrics = createNodeMetrics(createMetricsRegistry());
  const router = createClientRouter({
    selfId: 'n1',
    view: () => view,
    waitForEpoch: async () => true,
    epochWaitMs: 10,
    registry: { acquire } as unknown as DocumentRegistry,
    sessions: createSessionTable(),
    metrics,
    log: createSilentLogger(),
  });
  const conn = new MemoryConnection(1);
  const session = new Session(
    conn,
    { docId: 'doc-1' },
    {
      nodeId: 'n1',
      log: createSilentLogger(),
      metrics,
      maxPendingBytes: 1 << 20,
      epoch: () => 3,
      protocolVersion: PROTOCOL_VERSION,
      isFenced: () => false,
    },
  );
  return { done: router.route(session), conn };
}

describe('client router', () => {
  it('[N1] a load failure closes the socket with 4500 load-failed and never rejects', async () => {
    const { done, conn } = route(() =>
      Promise.reject(new DocumentLoadError('doc-1', new Error('corrupt'))),
    );
    await expect(done).resolves.toBeUndefined();
    expect(conn.closeCode).toBe(CloseCode.LOAD_FAILED);
  });

  it('an unexpected error while routing closes only that socket with retry; the promise resolves', async () => {
    // Before: rethrown inside `void route(...)`, an unhandled rejection that exits the node.
    const { done, conn } = route(() => Promise.reject(new TypeError('bug in a load path')));
    await expect(done).resolves.toBeUndefined();
    expect(conn.closeCode).toBe(CloseCode.RETRY);
    expect(conn.closeReason).toMatch(/internal error/);
  });
});
