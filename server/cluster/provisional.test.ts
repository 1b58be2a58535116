import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Room } from '../documents/room.ts';
import { createSilentLogger } from '../log.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import type { PeerPool, RequestBody } from './peer-client.ts';
import type { PeerResponse } from './peer-protocol.ts';
import { createProvisional, decideProvisional, sameStateVector } from './provisional.ts';
import { ringViewOf } from './testing/ring-view.ts';

const viewOf = (ids: string[], epoch = 7) => ringViewOf(ids, epoch);

const doc = 'some-doc';
const view = viewOf(['a', 'b', 'c']);
const [owner, next, third] = view.ring.preferenceList(doc, 3) as [string, string, string];

describe('decideProvisional (P30)', () => {
  it('[P30] the next holder serves a client that lost the owner', () => {
    expect(decideProvisional(view, next, doc, [owner], 2, false)).toEqual({ kind: 'serve', owner });
  });

  it('[P33] the next holder forwards when it reached the owner a moment ago', () => {
    expect(decideProvisional(view, next, doc, [owner], 2, true)).toEqual({
      kind: 'forward',
      owner,
    });
  });

  it('[P30] any other node redirects to the next holder', () => {
    expect(decideProvisional(view, third, doc, [owner], 2, false)).toEqual({
      kind: 'redirect',
      owner: next,
      url: `ws://${next}`,
      epoch: 7,
    });
  });

  it('[P30] a suspect that is not the owner, or no view, changes nothing', () => {
    expect(decideProvisional(view, next, doc, [third], 2, false)).toEqual({ kind: 'none' });
    expect(decideProvisional(view, next, doc, ['gone'], 2, false)).toEqual({ kind: 'none' });
    expect(decideProvisional(null, next, doc, [owner], 2, false)).toEqual({ kind: 'none' });
    expect(decideProvisional(view, owner, doc, [owner], 2, false)).toEqual({ kind: 'none' });
  });

  it('[P34] a client that also lost the provisional holder names both and goes past them', () => {
    const four = viewOf(['a', 'b', 'c', 'd']);
    const [o, n, t, f] = four.ring.preferenceList(doc, 4) as [string, string, string, string];
    // The third holder serves; the provisional holder that died is skipped.
    expect(decideProvisional(four, t, doc, [o, n], 2, false)).toEqual({ kind: 'serve', owner: o });
    // Any other node sends the client to the third holder, not to the dead second one.
    expect(decideProvisional(four, f, doc, [o, n], 2, false)).toEqual({
      kind: 'redirect',
      owner: t,
      url: `ws://${t}`,
      epoch: 7,
    });
    // Order of the suspects does not matter; one suspect keeps P30 as it was.
    expect(decideProvisional(four, t, doc, [n, o], 2, false).kind).toBe('serve');
    expect(decideProvisional(four, n, doc, [o], 2, false).kind).toBe('serve');
    // Neither suspect is the owner: routed as usual.
    expect(decideProvisional(four, t, doc, [n, f], 2, false)).toEqual({ kind: 'none' });
  });

  it('[P32] state vectors compare whatever their order', () => {
    expect(
      sameStateVector(
        new Map([
          [1, 2],
          [3, 4],
        ]),
        new Map([
          [3, 4],
          [1, 2],
        ]),
      ),
    ).toBe(true);
    expect(sameStateVector(new Map([[1, 2]]), new Map([[1, 3]]))).toBe(false);
    expect(
      sameStateVector(
        new Map([[1, 2]]),
        new Map([
          [1, 2],
          [5, 1],
        ]),
      ),
    ).toBe(false);
  });
});

/** A room over a real Y.Doc (the keeper reads docId, generation, doc, applyRemote, durable). */
function fakeRoom(): Room {
  const ydoc = new Y.Doc();
  return {
    docId: doc,
    generation: 'g',
    doc: ydoc,
    applyRemote: (u: Uint8Array) => Y.applyUpdate(ydoc, u),
    durable: () => Promise.resolve(),
  } as unknown as Room;
}

/** An owner node holding its own Y.Doc, answering FETCH and PUSH; `down` refuses everything. */
function fakeOwner() {
  const ownerDoc = new Y.Doc();
  const state = { down: true };
  const pool: PeerPool = {
    request: (_url: string, body: RequestBody): Promise<PeerResponse> => {
      if (state.down) return Promise.reject(new Error('unreachable'));
      const base = { kind: 'response' as const, id: 1, epoch: 7, status: 'ok' as const };
      if (body.kind === 'fetch') {
        return Promise.resolve({
          ...base,
          doc: { generation: 'g', state: Y.encodeStateAsUpdate(ownerDoc) },
        });
      }
      if (body.kind === 'push') Y.applyUpdate(ownerDoc, body.update);
      return Promise.resolve({ ...base, doc: null });
    },
    openStream: () => ({ send: () => {}, close: () => {} }),
    close: () => {},
  };
  return { ownerDoc, pool, state };
}

async function tick(clock: ReturnType<typeof createManualClock>, ms = 250) {
  clock.advance(ms);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 5));
}

describe('provisional keeper (P32)', () => {
  it('[P32] keeps serving while the owner is unreachable; once it answers, both copies are merged and the clients sent back', async () => {
    const clock = createManualClock();
    const o = fakeOwner();
    o.ownerDoc.getText('t').insert(0, 'owner ');
    const sentBack: string[] = [];
    const room = fakeRoom();
    const keeper = createProvisional({
      room: async () => room,
      selfId: next,
      replicas: 2,
      view: () => view,
      pool: o.pool,
      clock,
      log: createSilentLogger(),
      isFenced: () => false,
      redirectClients: (room) => sentBack.push(room.docId),
    });
    room.doc.getText('t').insert(0, 'provisional ');
    keeper.track(room, owner);
    await tick(clock);
    await tick(clock);
    expect(keeper.holds(room)).toBe(true);
    expect(sentBack).toEqual([]);
    expect(keeper.decide(doc, [owner]).kind).toBe('serve');
    o.state.down = false;
    await tick(clock);
    await tick(clock);
    expect(sentBack).toEqual([doc]);
    expect(keeper.holds(room)).toBe(false);
    expect(o.ownerDoc.getText('t').toString()).toBe(room.doc.getText('t').toString());
    expect(room.doc.getText('t').toString()).toContain('owner');
    expect(room.doc.getText('t').toString()).toContain('provisional');
    // P33: the owner was reached a moment ago: a client that lost it again is forwarded.
    expect(keeper.decide(doc, [owner]).kind).toBe('forward');
    expect(await keeper.confirmReachable(doc)).toBe(true);
    expect(keeper.decide(doc, [owner]).kind).toBe('forward');
    // …but killed right after the hand-back: the check before forwarding finds it gone, and
    // the next client that lost it is served here instead of forwarded to a dead owner.
    o.state.down = true;
    expect(await keeper.confirmReachable(doc)).toBe(false);
    expect(keeper.decide(doc, [owner]).kind).toBe('serve');
    keeper.stop();
  });

  it('[P32] when the ring drops the owner the room stays, nothing is sent back', async () => {
    const clock = createManualClock();
    const o = fakeOwner();
    let current = view;
    const sentBack: string[] = [];
    const released: string[] = [];
    const room = fakeRoom();
    const keeper = createProvisional({
      room: async () => room,
      selfId: next,
      replicas: 2,
      view: () => current,
      pool: o.pool,
      clock,
      log: createSilentLogger(),
      isFenced: () => false,
      redirectClients: (room) => sentBack.push(room.docId),
      onReleased: (docId) => released.push(docId),
    });
    keeper.track(room, owner);
    current = viewOf([next, third].sort(), 8);
    expect(current.ring.ownerOf(doc)).toBe(next);
    await tick(clock);
    expect(keeper.holds(room)).toBe(false);
    expect(released).toEqual([doc]);
    expect(sentBack).toEqual([]);
    keeper.stop();
  });

  it('[R6] a fenced node exchanges nothing and sends nobody back', async () => {
    const clock = createManualClock();
    const o = fakeOwner();
    o.state.down = false;
    const sentBack: string[] = [];
    const room = fakeRoom();
    const keeper = createProvisional({
      room: async () => room,
      selfId: next,
      replicas: 2,
      view: () => view,
      pool: o.pool,
      clock,
      log: createSilentLogger(),
      isFenced: () => true,
      redirectClients: (room) => sentBack.push(room.docId),
    });
    room.doc.getText('t').insert(0, 'x');
    keeper.track(room, owner);
    await tick(clock);
    // It keeps the document (to hand it back once unfenced) but exchanges nothing meanwhile.
    expect(keeper.holds(room)).toBe(true);
    expect(sentBack).toEqual([]);
    expect(o.ownerDoc.getText('t').toString()).toBe('');
    keeper.stop();
  });
});
