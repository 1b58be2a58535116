import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createRing } from '../../ring/core/ring.ts';
import type { RingView } from '../../ring/etcd/types.ts';
import type { PeerPool, RequestBody } from '../cluster/peer-client.ts';
import type { PeerResponse } from '../cluster/peer-protocol.ts';
import { createReplicator } from '../cluster/replicator.ts';
import { createMetricsRegistry } from '../http/metrics.ts';
import { createNodeLimits } from '../limits/node-limits.ts';
import { type LimitSettings, resolveLimits } from '../limits/settings.ts';
import { createSilentLogger } from '../log.ts';
import { createNodeMetrics } from '../node-metrics.ts';
import type { DocStore } from '../persistence/store.ts';
import { CloseCode, encodeSyncUpdate } from '../protocol/index.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { Room, type RoomDeps } from './room.ts';
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

function setup(
  options: {
    limits?: Partial<LimitSettings>;
    replicate?: RoomDeps['replicate'];
    movesBeforeClose?: boolean;
  } = {},
) {
  const metrics = createNodeMetrics(createMetricsRegistry());
  const clock = createManualClock();
  const limits = options.limits
    ? createNodeLimits(resolveLimits(options.limits), () => clock.now())
    : undefined;
  const windowed = createWindowedStore();
  const room = new Room('d', 'g1', new Y.Doc(), {
    store: windowed.store,
    broadcaster: createMemoryBroadcaster(),
    log: createSilentLogger(),
    metrics,
    clock,
    maxAwarenessBytes: 65536,
    ...(options.replicate ? { replicate: options.replicate } : {}),
    onFault: () => {},
  });
  const conn = new MemoryConnection(1);
  const session = new Session(
    conn,
    { docId: 'd', proto: 1, movesBeforeClose: options.movesBeforeClose },
    {
      nodeId: 'n1',
      log: createSilentLogger(),
      metrics,
      maxPendingBytes: 1 << 20,
      epoch: () => 1,
      protocolVersion: 1,
      isFenced: () => false,
      ...(limits ? { limits, pace: clock.after } : {}),
    },
  );
  session.attach(room);
  const editor = new Y.Doc();
  const updates: Uint8Array[] = [];
  editor.on('update', (u: Uint8Array) => updates.push(u));
  const type = (n: number, chunk = 'x') => {
    for (let i = 0; i < n; i++) editor.getText('t').insert(0, chunk);
    for (const u of updates.splice(0)) session.receive(encodeSyncUpdate(u));
  };
  const acks = () => conn.frames().flatMap((f) => (f.type === 'ack' ? [f.count] : []));
  return { windowed, room, type, acks, conn, clock, editor, session };
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

describe('Session moves (P11a)', () => {
  const target = { owner: 'n2', url: 'ws://n2', epoch: 4 };
  const redirects = (conn: MemoryConnection) =>
    conn.frames().flatMap((f) => (f.type === 'redirect' ? [f] : []));

  it('[P11a] a client that moves before it is closed is told with a grace, keeps being served and acknowledged, then closed 4300', async () => {
    const { windowed, type, acks, conn, clock, room, session } = setup({ movesBeforeClose: true });
    session.move(target, 3000, clock.after);
    expect(redirects(conn)).toEqual([{ type: 'redirect', ...target, graceMs: 3000 }]);
    expect(conn.closed).toBe(false);
    expect(session.moving).toBe(true);
    // Repeated (another rebalance pass): nothing more is sent.
    session.move(target, 3000, clock.after);
    expect(redirects(conn)).toHaveLength(1);
    type(2);
    windowed.commit();
    await settle();
    expect(acks()).toEqual([2]);
    clock.advance(2999);
    expect(conn.closed).toBe(false);
    clock.advance(1);
    expect(conn.closeCode).toBe(CloseCode.REDIRECT);
    expect(redirects(conn).at(-1)).toEqual({ type: 'redirect', ...target });
    room.destroy();
  });

  it('[P11a] a client that leaves during the grace is not closed again', () => {
    const { conn, clock, room, session } = setup({ movesBeforeClose: true });
    session.move(target, 3000, clock.after);
    conn.close(1000, 'moved to the new owner');
    session.closed();
    clock.advance(5000);
    expect(conn.closeCode).toBe(1000);
    expect(redirects(conn)).toHaveLength(1);
    room.destroy();
  });

  it('[P11] a client that did not announce moves=1 is redirected at once', () => {
    const { conn, clock, room, session } = setup();
    session.move(target, 3000, clock.after);
    expect(redirects(conn)).toEqual([{ type: 'redirect', ...target }]);
    expect(conn.closeCode).toBe(CloseCode.REDIRECT);
    room.destroy();
  });
});

/** Another holder that stores what it is pushed and answers when told to (N3). */
function createReplicaHolder() {
  const pushes: RequestBody[] = [];
  let answer = () => {};
  const pool: PeerPool = {
    request: (_url, body) => {
      pushes.push(body);
      return new Promise<PeerResponse>((resolve) => {
        const previous = answer;
        answer = () => {
          previous();
          resolve({ kind: 'response', id: 1, status: 'ok', epoch: 1, doc: null });
        };
      });
    },
    openStream: () => ({ send: () => {}, close: () => {} }),
    close: () => {},
  };
  return {
    pool,
    pushes,
    /** Confirms every push so far as durable. */
    confirm() {
      const pending = answer;
      answer = () => {};
      pending();
    },
  };
}

describe('Session acknowledgements with replica durability (N3, C4)', () => {
  it('[C4][N3] a window of updates goes to the replica as one PUSH; one ACK once both the journal and the replica confirmed', async () => {
    const clock = createManualClock();
    const holder = createReplicaHolder();
    const ids = ['n1', 'n2'];
    const view: RingView = {
      ring: createRing(ids),
      epoch: 1,
      members: new Map(
        ids.map((id) => [
          id,
          {
            id,
            publicUrl: id,
            internalUrl: id,
            build: '1',
            protocol: { min: 1, max: 1 },
            state: 'active' as const,
            startedAt: 0,
          },
        ]),
      ),
    };
    const selfId = view.ring.ownerOf('d') as string;
    const replicate = createReplicator({
      selfId,
      view: () => view,
      pool: holder.pool,
      log: createSilentLogger(),
      clock,
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
    });
    const { windowed, type, acks, room } = setup({ replicate });
    type(5);
    clock.advance(0); // the replication window closes
    await settle();
    expect(holder.pushes).toHaveLength(1);
    const pushed = holder.pushes[0];
    if (pushed?.kind !== 'push') throw new Error('expected a PUSH');
    const copy = new Y.Doc();
    Y.applyUpdate(copy, pushed.update);
    expect(copy.getText('t').toString()).toBe(room.doc.getText('t').toString());
    windowed.commit(); // local journal durable, the replica not yet: no ACK
    await settle();
    expect(acks()).toEqual([]);
    holder.confirm();
    await settle();
    expect(acks()).toEqual([5]);
    // the replica first, then the journal: still one ACK, and only after both
    type(3);
    clock.advance(0);
    await settle();
    expect(holder.pushes).toHaveLength(2);
    holder.confirm();
    await settle();
    expect(acks()).toEqual([5]);
    windowed.commit();
    await settle();
    expect(acks()).toEqual([5, 8]);
    expect(room.hasPendingWrites).toBe(false);
    expect(room.hasUnreplicated).toBe(false);
    room.destroy();
  });
});

describe('Session pacing (P22)', () => {
  it('[P22] frames over the connection rate wait and are all handled; the socket stays open', async () => {
    const { windowed, type, acks, conn, clock, room, editor } = setup({
      limits: { messagesPerSecond: 10, messageBurst: 6 },
    });
    type(12);
    await settle();
    expect(conn.closed).toBe(false);
    expect(windowed.appends()).toBe(6);
    for (let i = 0; i < 20 && windowed.appends() < 12; i++) {
      clock.advance(100);
      await settle();
    }
    expect(conn.closed).toBe(false);
    expect(windowed.appends()).toBe(12);
    windowed.commit();
    await settle();
    expect(acks().at(-1)).toBe(12);
    expect(room.doc.getText('t').toString()).toBe(editor.getText('t').toString());
    room.destroy();
  });

  it('[P22] frames over the document byte rate wait too, in order', async () => {
    const { windowed, type, conn, clock, room, editor } = setup({
      limits: { documentBytesPerSecond: 200, documentByteBurst: 100 },
    });
    type(10);
    await settle();
    expect(conn.closed).toBe(false);
    expect(windowed.appends()).toBeLessThan(10);
    for (let i = 0; i < 50 && windowed.appends() < 10; i++) {
      clock.advance(100);
      await settle();
    }
    expect(conn.closed).toBe(false);
    expect(room.doc.getText('t').toString()).toBe(editor.getText('t').toString());
    room.destroy();
  });

  it('[P22] a held backlog over the pending cap closes with 1009, nothing of it acknowledged', async () => {
    const { type, conn, acks } = setup({
      limits: { messagesPerSecond: 1, messageBurst: 100, byteBurst: 64 << 20 },
    });
    type(1);
    for (let i = 0; i < 120 && !conn.closed; i++) type(1, 'x'.repeat(100_000));
    await settle();
    expect(conn.closed).toBe(true);
    expect(conn.closeCode).toBe(1009);
    expect(acks()).toEqual([]);
  });
});

describe('Session pacing backlog (P22)', () => {
  it('[P22] more held frames than one burst close the socket with 4529 and the limit named', async () => {
    const { type, conn } = setup({ limits: { messagesPerSecond: 10, messageBurst: 5 } });
    type(5);
    expect(conn.closed).toBe(false);
    type(5);
    expect(conn.closed).toBe(false);
    type(1);
    expect(conn.closed).toBe(true);
    expect(conn.closeCode).toBe(4529);
    expect(conn.closeReason).toMatch(/too many messages/);
  });
});

describe('Session relay', () => {
  it('[P10] a client Update frame reaches the other connections as received, not re-encoded', async () => {
    const { room } = setup();
    const other = new MemoryConnection(2);
    room.join(other);
    const editor = new Y.Doc();
    let update: Uint8Array | null = null;
    editor.on('update', (u: Uint8Array) => {
      update = u;
    });
    editor.getText('t').insert(0, 'hello');
    const frame = encodeSyncUpdate(update!);
    const sender = [...room.connections()][0]!;
    room.applyUpdate(update!, sender, frame);
    expect(other.sent.at(-1)).toBe(frame);
    expect(room.doc.getText('t').toString()).toBe('hello');
    room.destroy();
  });
});
