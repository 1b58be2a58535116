/**
 * Heap per attached idle document inside one process (issue 14): a registry room with one
 * session attached, hydrated against kept encoded, beside the encoded size. Separates the room's
 * own cost from the node's (store, transport) that `bench/items/memory-main.ts` measures.
 *
 *   node --expose-gc --import tsx bench/store/attached-idle-room-memory.ts [--docs 300] [--edits 300]
 */
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { DocumentRegistry } from '../../server/documents/registry.ts';
import { Session } from '../../server/documents/session.ts';
import { MemoryConnection } from '../../server/documents/testing/memory-transport.ts';
import { testRegistryOptions } from '../../server/documents/testing/registry-options.ts';
import { createSilentLogger } from '../../server/log.ts';
import { createMemoryStore } from '../../server/persistence/memory-store.ts';
import { createManualClock } from '../../server/testing/manual-clock.ts';

const { values } = parseArgs({
  options: { docs: { type: 'string', default: '300' }, edits: { type: 'string', default: '300' } },
});
const docs = Number(values.docs);
const edits = Number(values.edits);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
};

function typed(seed: number): Uint8Array {
  const a = new Y.Doc();
  const text = a.getText('root');
  for (let i = 0; i < edits; i++) {
    const at = (seed * 31 + i * 17) % (text.length + 1);
    text.insert(at, `w${i} `);
    if (i % 10 === 9) text.delete(Math.max(0, at - 2), 1);
  }
  const update = Y.encodeStateAsUpdate(a);
  a.destroy();
  return update;
}

const store = createMemoryStore();
const states = Array.from({ length: docs }, (_, i) => typed(i));
for (const [i, s] of states.entries()) await store.append(`d${i}`, s, 'g');
const encodedBytes = states.reduce((n, s) => n + s.length, 0) / docs;
const clock = createManualClock();
const registry = new DocumentRegistry(
  testRegistryOptions(store, { clock, idleUnloadMs: 1e9, idleEncodeMs: 1000 }),
);
const base = heap();
const sessions: Session[] = [];
for (let i = 0; i < docs; i++) {
  const session = new Session(
    new MemoryConnection(i),
    { docId: `d${i}`, proto: 1 },
    {
      nodeId: 'n',
      log: createSilentLogger(),
      metrics: testRegistryOptions(store).metrics,
      maxPendingBytes: 1 << 20,
      epoch: () => 1,
      protocolVersion: 1,
      isFenced: () => false,
    },
  );
  session.attach(await registry.acquire(`d${i}`));
  sessions.push(session);
}
const hydrated = (heap() - base) / docs;
clock.advance(1000);
registry.sweep();
const encoded = (heap() - base) / docs;
console.log(
  JSON.stringify(
    {
      docs,
      encodedBytesPerDoc: Math.round(encodedBytes),
      heapPerAttachedDocHydrated: Math.round(hydrated),
      heapPerAttachedDocEncoded: Math.round(encoded),
      hydratedOverEncoded: Number((hydrated / encodedBytes).toFixed(2)),
      encodedRoomOverEncoded: Number((encoded / encodedBytes).toFixed(2)),
      stillHydrated: registry.hydratedCount,
    },
    null,
    2,
  ),
);
