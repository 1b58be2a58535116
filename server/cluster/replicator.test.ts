import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createRing } from '../../ring/core/ring.ts';
import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import type { RingView } from '../../ring/etcd/types.ts';
import { createSilentLogger } from '../log.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import type { PeerPool, RequestBody } from './peer-client.ts';
import type { PeerResponse } from './peer-protocol.ts';
import { createReplicator } from './replicator.ts';

function viewOf(ids: string[]): RingView {
  const members = new Map<string, MemberRecord>(
    ids.map((id) => [
      id,
      {
        id,
        publicUrl: id,
        internalUrl: id,
        build: '1',
        protocol: { min: 1, max: 1 },
        state: 'active',
        startedAt: 0,
      },
    ]),
  );
  return { ring: createRing(ids), epoch: 7, members };
}

function fakePool(answer: (url: string, body: RequestBody) => Promise<PeerResponse>) {
  const calls: Array<{ url: string; epoch: number }> = [];
  const pool: PeerPool = {
    request: (url, body, epoch) => {
      calls.push({ url, epoch });
      return answer(url, body);
    },
    openStream: () => ({ send: () => {}, close: () => {} }),
    close: () => {},
  };
  return { pool, calls };
}

const ok = (): Promise<PeerResponse> =>
  Promise.resolve({ kind: 'response', id: 1, status: 'ok', epoch: 7, doc: null });

describe('replicator', () => {
  const doc = 'some-doc';
  const view = viewOf(['a', 'b', 'c']);
  const [owner, replica] = view.ring.preferenceList(doc, 2) as [string, string];

  it('[N3] pushes each update to the other holder with the ring epoch and resolves on its ack', async () => {
    const clock = createManualClock();
    const { pool, calls } = fakePool(ok);
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock,
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
    });
    const done = replicate(doc, 'g', new Uint8Array([1]));
    clock.advance(0); // the replication window closes
    await done;
    expect(calls).toEqual([{ url: replica, epoch: 7 }]);
  });

  it('[N3][C4] with replica durability it does not resolve until a holder acknowledged, retrying failures', async () => {
    let failures = 2;
    const { pool, calls } = fakePool(() =>
      failures-- > 0 ? Promise.reject(new Error('down')) : ok(),
    );
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock: createManualClock({ autoAdvance: true }),
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
    });
    await replicate(doc, 'g', new Uint8Array([1]));
    expect(calls.length).toBe(3);
  });

  it('[N3] rejects after the deadline when no holder ever acknowledges (nothing is acked)', async () => {
    const { pool } = fakePool(() => Promise.reject(new Error('down')));
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock: createManualClock({ autoAdvance: true }),
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
      deadlineMs: 150,
    });
    await expect(replicate(doc, 'g', new Uint8Array([1]))).rejects.toThrow(/no replica/);
  });

  it('[N3] local durability resolves at once; a single-member ring needs no replica', async () => {
    const { pool, calls } = fakePool(() => new Promise(() => {}));
    const local = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock: createManualClock({ autoAdvance: true }),
      replicas: 2,
      durability: 'local',
      windowMs: 0,
    });
    // The replica never answers: local durability must not wait for it (it still sends).
    await expect(local(doc, 'g', new Uint8Array([1]))).resolves.toBeUndefined();
    expect(calls).toEqual([{ url: replica, epoch: 7 }]);
    const alone = createReplicator({
      selfId: 'a',
      view: () => viewOf(['a']),
      pool,
      log: createSilentLogger(),
      clock: createManualClock({ autoAdvance: true }),
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
    });
    await expect(alone(doc, 'g', new Uint8Array([1]))).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  it('[P31] a holder that refuses at once: the next member gets a copy and its ack counts (durability kept)', async () => {
    const clock = createManualClock();
    const third = view.ring.preferenceList(doc, 3)[2] as string;
    const { pool, calls } = fakePool((url) =>
      url === replica ? Promise.reject(new Error('down')) : ok(),
    );
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock,
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
    });
    const done = replicate(doc, 'g', new Uint8Array([1]));
    clock.advance(0); // the replication window closes
    await done;
    expect(calls.map((c) => c.url)).toEqual([replica, replica, third]);
  });

  it('[P31] a holder that does not answer: after fallbackMs the next member gets a copy', async () => {
    const third = view.ring.preferenceList(doc, 3)[2] as string;
    const clock = createManualClock();
    const { pool, calls } = fakePool((url) => (url === replica ? new Promise(() => {}) : ok()));
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock,
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
      fallbackMs: 500,
    });
    let done = false;
    const p = replicate(doc, 'g', new Uint8Array([1])).then(() => {
      done = true;
    });
    clock.advance(0); // the replication window closes
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    clock.advance(500);
    await p;
    expect(calls.map((c) => c.url)).toEqual([replica, replica, third]);
  });

  it('[P31] a holder that is not the owner (provisional) also sends to the next member from the start', async () => {
    const clock = createManualClock();
    const third = view.ring.preferenceList(doc, 3)[2] as string;
    const { pool, calls } = fakePool(ok);
    const replicate = createReplicator({
      selfId: replica,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock,
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
    });
    const done = replicate(doc, 'g', new Uint8Array([1]));
    clock.advance(0); // the replication window closes
    await done;
    expect(calls.map((c) => c.url).sort()).toEqual([owner, third].sort());
  });

  it('[N3][I5] the updates of a document within one window go as one merged PUSH and share one promise', async () => {
    const clock = createManualClock();
    const bodies: RequestBody[] = [];
    const { pool, calls } = fakePool((_url, body) => {
      bodies.push(body);
      return ok();
    });
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock,
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
    });
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (const ch of 'abc') source.getText('t').insert(source.getText('t').length, ch);
    const promises = updates.map((u) => replicate(doc, 'g', u));
    expect(new Set(promises).size).toBe(1);
    expect(calls).toHaveLength(0); // nothing leaves before the window closes
    clock.advance(0);
    await Promise.all(promises);
    expect(calls).toEqual([{ url: replica, epoch: 7 }]);
    const body = bodies[0];
    if (body?.kind !== 'push') throw new Error('expected a PUSH');
    const copy = new Y.Doc();
    Y.applyUpdate(copy, body.update);
    expect(copy.getText('t').toString()).toBe('abc');
    // the next window is a new batch with its own promise
    const next = replicate(doc, 'g', updates[0] as Uint8Array);
    expect(promises).not.toContain(next);
    clock.advance(0);
    await next;
    expect(calls).toHaveLength(2);
  });

  it('[N3][C4] a batch that no holder acknowledges rejects every update of it (none is acked)', async () => {
    const { pool } = fakePool(() => Promise.reject(new Error('down')));
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock: createManualClock({ autoAdvance: true }),
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
      deadlineMs: 1000,
    });
    const a = replicate(doc, 'g', new Uint8Array([0, 0]));
    const b = replicate(doc, 'g', new Uint8Array([0, 0]));
    await expect(a).rejects.toThrow(/no replica/);
    await expect(b).rejects.toThrow(/no replica/);
  });

  it('[N3] documents and generations are batched apart: each batch goes to its own holders', async () => {
    const clock = createManualClock();
    const bodies: RequestBody[] = [];
    const { pool } = fakePool((_url, body) => {
      bodies.push(body);
      return ok();
    });
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock,
      replicas: 2,
      durability: 'replica',
      windowMs: 0,
    });
    const empty = new Uint8Array([0, 0]);
    const all = [
      replicate(doc, 'g', empty),
      replicate(doc, 'h', empty),
      replicate(`${doc}/comments`, 'g', empty),
    ];
    expect(new Set(all).size).toBe(3);
    clock.advance(0);
    await Promise.all(all);
    const pushed = bodies.map((b) => (b.kind === 'push' ? `${b.docId}@${b.generation}` : ''));
    expect(pushed.sort()).toEqual([`${doc}/comments@g`, `${doc}@g`, `${doc}@h`].sort());
  });

  it('[N3][I5] by default a window is one turn of the event loop: what this turn integrated goes as one PUSH', async () => {
    const { pool, calls } = fakePool(ok);
    const replicate = createReplicator({
      selfId: owner,
      view: () => view,
      pool,
      log: createSilentLogger(),
      clock: createManualClock(),
      replicas: 2,
      durability: 'replica',
    });
    const empty = new Uint8Array([0, 0]);
    const first = [replicate(doc, 'g', empty), replicate(doc, 'g', empty)];
    expect(calls).toHaveLength(0);
    await Promise.all(first);
    expect(calls).toHaveLength(1);
    await replicate(doc, 'g', empty);
    expect(calls).toHaveLength(2);
  });
});
