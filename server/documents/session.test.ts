import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMetricsRegistry } from '../http/metrics.ts';
import { createSilentLogger } from '../log.ts';
import { createNodeMetrics } from '../node-metrics.ts';
import type { DocStore } from '../persistence/store.ts';
import { encodeSyncUpdate } from '../protocol/index.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { Room } from './room.ts';
import { Session } from './session.ts';
import { createMemoryBroadcaster, MemoryConnection } from './testing/memory-transport.ts';

/** A store committing in windows like the journal: every append of a window shares one promise. */
function createWindowedStore() {
  let release = () => {};
  let window: Promise<void> | null = null;
  let appends = 0;
  const store: Pick<DocStore, 'append'> = {
    append() {
      appends++;
      window ??= new Promise<void>((resolve) => {
        release = resolve;
      });
      return window;
    },
  };
  return {
    store,
    appends: () => appends,
    /** Makes the open window durable; the next append opens a new one. */
    commit() {
      window = null;
      release();
    },
  };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function setup() {
  const metrics = createNodeMetrics(createMetricsRegistry());
  const windowed = createWindowedStore();
  const room = new Room('d', 'g1', new Y.Doc(), {
    store: windowed.store,
    broadcaster: createMemoryBroadcaster(),
    log: createSilentLogger(),
    metrics,
    clock: createManualClock(),
    maxAwarenessBytes: 65536,
    onFault: () => {},
  });
  const conn = new MemoryConnection(1);
  const session = new Session(
    conn,
    { docId: 'd', proto: 1 },
    {
      nodeId: 'n1',
      log: createSilentLogger(),
      metrics,
      maxPendingBytes: 1 << 20,
      epoch: () => 1,
      protocolVersion: 1,
      isFenced: () => false,
    },
  );
  session.attach(room);
  const editor = new Y.Doc();
  const updates: Uint8Array[] = [];
  editor.on('update', (u: Uint8Array) => updates.push(u));
  const type = (n: number) => {
    for (let i = 0; i < n; i++) editor.getText('t').insert(0, 'x');
    for (const u of updates.splice(0)) session.receive(encodeSyncUpdate(u));
  };
  const acks = () => conn.frames().flatMap((f) => (f.type === 'ack' ? [f.count] : []));
  return { windowed, room, type, acks };
}

describe('Session acknowledgements', () => {
  it('[C4] one cumulative ACK per connection per commit window, only once it is durable', async () => {
    const { windowed, type, acks, room } = setup();
    type(5);
    await settle();
    expect(windowed.appends()).toBe(5);
    expect(acks()).toEqual([]);
    windowed.commit();
    await settle();
    expect(acks()).toEqual([5]);
    type(3);
    await settle();
    expect(acks()).toEqual([5]);
    windowed.commit();
    await settle();
    expect(acks()).toEqual([5, 8]);
    expect(room.hasPendingWrites).toBe(false);
    room.destroy();
  });
});
