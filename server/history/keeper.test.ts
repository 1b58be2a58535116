import { describe, expect, it, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { DocumentRegistry } from '../documents/registry.ts';
import { Session, type SessionDeps } from '../documents/session.ts';
import {
  createMemoryBroadcaster,
  MemoryConnection,
} from '../documents/testing/memory-transport.ts';
import { createMetricsRegistry } from '../http/metrics.ts';
import { createSilentLogger } from '../log.ts';
import { createNodeMetrics } from '../node-metrics.ts';
import { createMemoryStore } from '../persistence/memory-store.ts';
import {
  CloseCode,
  encodeAwareness,
  encodeRequest,
  encodeSyncUpdate,
  type Reply,
} from '../protocol/index.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { plainText, readBlocks } from './content.ts';
import { createHistoryKeeper, type HistorySettings } from './keeper.ts';
import { appendBlocks, typeInto } from './testing/lexical-doc.ts';
import { documentOfHistoryRoom, readVersions, versionDoc } from './versions.ts';

function setup(
  settings: Partial<HistorySettings> = {},
  timers: ReturnType<typeof createManualClock> = createManualClock(),
) {
  let clock = 1_700_000_000_000;
  const log = createSilentLogger();
  const metrics = createNodeMetrics(createMetricsRegistry());
  const store = createMemoryStore();
  let ids = 0;
  const keeper = createHistoryKeeper({
    acquire: (docId) => registry.acquire(docId),
    canWrite: () => true,
    log,
    now: () => clock,
    newId: () => `v${++ids}`,
    settings: { quietMs: 1000, maxStretchMs: 10_000, ...settings },
    timers,
  });
  const registry: DocumentRegistry = new DocumentRegistry({
    store,
    broadcaster: createMemoryBroadcaster(),
    log,
    metrics,
    clock: createManualClock(),
    heapUsed: () => 0,
    maxAwarenessBytes: 65536,
    idleUnloadMs: 60_000,
    encodedCacheBytes: 1 << 20,
    heapHighWaterBytes: Number.MAX_SAFE_INTEGER,
    onRoomFault: () => {},
    onRoomOpened: (room) => keeper.track(room),
  });
  const deps: SessionDeps = {
    nodeId: 'n1',
    log,
    metrics,
    maxPendingBytes: 1 << 20,
    epoch: () => 1,
    protocolVersion: 1,
    isFenced: () => false,
    onRequest: keeper.handleRequest,
    isReadOnlyRoom: (docId) => documentOfHistoryRoom(docId) !== null,
  };
  let connections = 0;
  /** A client editing `docId` through a real Session, with an awareness name. */
  async function connect(docId: string, name: string, perm: 'edit' | 'view' = 'edit') {
    const conn = new MemoryConnection(++connections);
    const session = new Session(conn, { docId, proto: 1 }, deps);
    session.setPermission(perm);
    session.attach(await registry.acquire(docId));
    const local = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(local);
    awareness.setLocalState({ name });
    session.receive(
      encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [local.clientID])),
    );
    const room = await registry.acquire(docId);
    Y.applyUpdate(local, Y.encodeStateAsUpdate(room.doc));
    local.on('update', (update: Uint8Array) => session.receive(encodeSyncUpdate(update)));
    let nextId = 0;
    const request = async (op: string, args: Record<string, unknown>): Promise<Reply> => {
      const id = ++nextId;
      session.receive(encodeRequest({ id, op, args }));
      return vi.waitFor(() => {
        const reply = conn.frames().find((f) => f.type === 'reply' && f.id === id);
        if (reply?.type !== 'reply') throw new Error('no reply yet');
        return reply;
      });
    };
    return { conn, session, local, request };
  }
  const versionsOf = async (docId: string) =>
    readVersions((await registry.acquire(`${docId}/versions`)).doc);
  const textOf = (doc: Y.Doc) => plainText(readBlocks(doc));
  return {
    keeper,
    registry,
    connect,
    versionsOf,
    textOf,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('history keeper (W6)', () => {
  it('arms its tick only while some document has edits in no version (issue 14: idle nodes run no timer)', async () => {
    const timers = createManualClock();
    const t = setup({ tickMs: 1000 }, timers);
    t.keeper.start();
    const alice = await t.connect('doc', 'Alice');
    // connected, nothing edited: no timer
    expect(timers.pending()).toBe(0);
    appendBlocks(alice.local, [['paragraph', 'hello']]);
    expect(timers.pending()).toBe(1);
    // still within the quiet period: the tick finds nothing due and keeps looking
    timers.advance(1000);
    await vi.waitFor(() => expect(timers.pending()).toBe(1));
    t.advance(1500);
    timers.advance(1000);
    await vi.waitFor(async () => expect(await t.versionsOf('doc')).toHaveLength(1));
    // the version consumed every pending edit: the tick disarms
    await vi.waitFor(() => expect(timers.pending()).toBe(0));
    // the next edit arms it again, and its version is cut as before
    typeInto(alice.local, 0, 5, ' world');
    expect(timers.pending()).toBe(1);
    t.advance(1500);
    timers.advance(1000);
    await vi.waitFor(async () => expect(await t.versionsOf('doc')).toHaveLength(2));
    await vi.waitFor(() => expect(timers.pending()).toBe(0));
    await t.keeper.stop();
  });

  it('[W6] cuts an automatic version after a pause in editing, naming who edited', async () => {
    const t = setup();
    const alice = await t.connect('doc', 'Alice');
    const bob = await t.connect('doc', 'Bob');
    appendBlocks(alice.local, [['paragraph', 'hello']]);
    await t.keeper.tick();
    expect(await t.versionsOf('doc')).toHaveLength(0);
    t.advance(1500);
    await t.keeper.tick();
    const versions = await t.versionsOf('doc');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({
      kind: 'auto',
      label: 'pause in editing',
      authors: ['Alice'],
    });
    expect(t.textOf(versionDoc(versions, 0))).toBe('hello');
    // Nothing new: no new version.
    t.advance(5000);
    await t.keeper.tick();
    expect(await t.versionsOf('doc')).toHaveLength(1);
    Y.applyUpdate(bob.local, Y.encodeStateAsUpdate(alice.local));
    typeInto(bob.local, 0, 5, ' world');
    alice.conn.close(1000, '');
    alice.session.closed();
    bob.conn.close(1000, '');
    bob.session.closed();
    await t.keeper.tick();
    const after = await t.versionsOf('doc');
    expect(after.map((v) => v.label)).toEqual(['pause in editing', 'last editor left']);
    expect(after[1]?.authors).toEqual(['Bob']);
    expect(t.textOf(versionDoc(after, 1))).toBe('hello world');
  });

  it('[W6] a named version waits for the requester’s edits (state vector) and is kept', async () => {
    const t = setup();
    const alice = await t.connect('doc', 'Alice');
    const history = await t.connect('doc/versions', 'Alice');
    appendBlocks(alice.local, [['paragraph', 'draft']]);
    const reply = await history.request('cut', {
      name: 'Before review',
      stateVector: Buffer.from(Y.encodeStateVector(alice.local)).toString('base64'),
    });
    expect(reply).toMatchObject({
      ok: true,
      result: { version: { number: 1, name: 'Before review', kind: 'named' } },
    });
    const versions = await t.versionsOf('doc');
    expect(t.textOf(versionDoc(versions, 0))).toBe('draft');
  });

  it('[W6] restore writes the old state as a new change every client receives; newer state stays a version', async () => {
    const t = setup();
    const alice = await t.connect('doc', 'Alice');
    const bob = await t.connect('doc', 'Bob');
    const history = await t.connect('doc/versions', 'Alice');
    appendBlocks(alice.local, [['paragraph', 'old text']]);
    expect((await history.request('cut', { name: 'v1' })).ok).toBe(true);
    typeInto(alice.local, 0, 8, ' and newer text');
    const reply = await history.request('restore', { version: '1', by: 'ops' });
    expect(reply.ok).toBe(true);
    const room = await t.registry.acquire('doc');
    expect(t.textOf(room.doc)).toBe('old text');
    // Bob's connection received the restore as an ordinary update.
    const bobCopy = new Y.Doc();
    for (const frame of bob.conn.frames()) {
      if (frame.type === 'sync-update') Y.applyUpdate(bobCopy, frame.update);
    }
    Y.applyUpdate(bobCopy, Y.encodeStateAsUpdate(bob.local));
    expect(t.textOf(bobCopy)).toBe('old text');
    const versions = await t.versionsOf('doc');
    expect(versions.map((v) => v.label || v.name)).toEqual([
      'v1',
      'before restoring “v1”',
      'restored “v1”',
    ]);
    expect(t.textOf(versionDoc(versions, 1))).toBe('old text and newer text');
    expect(versions[2]?.authors).toEqual(['ops']);
  });

  it('[W6][P21] a view session cannot restore or name versions (4403), and cannot write history', async () => {
    const t = setup();
    const alice = await t.connect('doc', 'Alice');
    const viewer = await t.connect('doc/versions', 'Viewer', 'view');
    appendBlocks(alice.local, [['paragraph', 'text']]);
    await t.keeper.cut('doc', { kind: 'named', name: 'one', label: '' });
    const restore = await viewer.request('restore', { version: '1' });
    expect(restore).toMatchObject({ ok: false, code: CloseCode.FORBIDDEN });
    expect(restore.reason).toMatch(/view link cannot restore/);
    expect((await viewer.request('cut', { name: 'x' })).code).toBe(CloseCode.FORBIDDEN);
    // Even an edit session's content on a history room is dropped (read-only room).
    const editor = await t.connect('doc/versions', 'Alice');
    editor.local.getArray('versions').delete(0, 1);
    expect(await t.versionsOf('doc')).toHaveLength(1);
    expect(editor.conn.frames().find((f) => f.type === 'hello')).toMatchObject({ perm: 'view' });
  });

  it('[W6] versions keep working while the document is encoded (cut without hydrating it) and hydrated again (issue 14)', async () => {
    const t = setup();
    const alice = await t.connect('doc', 'Alice');
    const room = await t.registry.acquire('doc');
    appendBlocks(alice.local, [['paragraph', 'first']]);
    expect(room.encodeDoc()).toBe(true);
    t.advance(1500);
    await t.keeper.tick();
    // the version was cut from a copy of the encoded state: the room was not hydrated for it
    expect(room.isHydrated).toBe(false);
    let versions = await t.versionsOf('doc');
    expect(versions.map((v) => v.label)).toEqual(['pause in editing']);
    expect(versions[0]?.authors).toEqual(['Alice']);
    expect(t.textOf(versionDoc(versions, 0))).toBe('first');
    // an edit to the encoded room hydrates it and is still seen by the keeper
    typeInto(alice.local, 0, 5, ' second');
    expect(room.isHydrated).toBe(true);
    t.advance(1500);
    await t.keeper.tick();
    versions = await t.versionsOf('doc');
    expect(versions.map((v) => v.label)).toEqual(['pause in editing', 'pause in editing']);
    expect(t.textOf(versionDoc(versions, 1))).toBe('first second');
    // the editor leaves with edits not in a version while the room is encoded: the unload cuts
    // one from the encoded state
    typeInto(alice.local, 0, 12, ' third');
    alice.conn.close(1000, '');
    alice.session.closed();
    await room.durable();
    expect(room.encodeDoc()).toBe(true);
    expect(t.registry.unloadIfIdle(room)).toBe(true);
    await vi.waitFor(async () => expect(await t.versionsOf('doc')).toHaveLength(3));
    versions = await t.versionsOf('doc');
    expect(versions[2]).toMatchObject({ label: 'last editor left', authors: ['Alice'] });
    expect(t.textOf(versionDoc(versions, 2))).toBe('first second third');
  });

  it('answers unknown operations and missing versions with 4400', async () => {
    const t = setup();
    const history = await t.connect('doc/versions', 'Alice');
    expect((await history.request('explode', {})).code).toBe(CloseCode.BAD_REQUEST);
    expect((await history.request('restore', { version: '9' })).code).toBe(CloseCode.BAD_REQUEST);
  });
});
