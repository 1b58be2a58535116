import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocumentRegistry } from '../documents/registry.ts';
import { MemoryConnection } from '../documents/testing/memory-transport.ts';
import { testRegistryOptions } from '../documents/testing/registry-options.ts';
import { createSilentLogger } from '../log.ts';
import { createMemoryStore } from '../persistence/memory-store.ts';
import { decodePeerMessage, encodePeerMessage, type PeerResponse } from './peer-protocol.ts';
import { createPeerService } from './peer-service.ts';

/** A replicated PUSH (epoch 5) of a document holding `text`, encoded. */
function replicatePush(id: number, docId: string, text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return encodePeerMessage({
    kind: 'push',
    id,
    epoch: 5,
    docId,
    generation: 'gen-a',
    role: 'replicate',
    ring: '',
    update: Y.encodeStateAsUpdate(doc),
  });
}

/** Counts the corked writes (one syscall each on uWS) around its sends. */
class CorkCountingConnection extends MemoryConnection {
  corks = 0;
  override cork(fn: () => void): void {
    this.corks++;
    fn();
  }
}

function setup(loadOnHandoff?: (docId: string) => boolean) {
  const store = createMemoryStore();
  const registry = new DocumentRegistry(testRegistryOptions(store, { idleUnloadMs: 1000 }));
  const open = createPeerService({
    registry,
    store,
    log: createSilentLogger(),
    epoch: () => 5,
    ringMembers: () => 'a,b',
    waitForEpoch: async () => true,
    isFenced: () => false,
    ...(loadOnHandoff ? { loadOnHandoff } : {}),
  });
  const conn = new CorkCountingConnection(1);
  const handler = open(conn);
  let id = 0;
  const push = async (docId: string, generation: string, text: string): Promise<PeerResponse> => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, text);
    const request = {
      kind: 'push' as const,
      id: ++id,
      epoch: 5,
      docId,
      generation,
      role: 'handoff' as const,
      ring: 'a,b',
      update: Y.encodeStateAsUpdate(doc),
    };
    const before = conn.sent.length;
    handler.message(encodePeerMessage(request));
    for (let i = 0; i < 1000 && conn.sent.length === before; i++) {
      await new Promise((r) => setImmediate(r));
    }
    const answer = decodePeerMessage(conn.sent.at(-1)!);
    if (answer.kind !== 'response') throw new Error('expected a response');
    return answer;
  };
  return { store, registry, push, conn, handler };
}

describe('peer service', () => {
  it('[M7] a PUSH of another generation than the stored copy is refused and stores nothing', async () => {
    const { store, push } = setup();
    expect((await push('doc-1', 'gen-a', 'first history')).status).toBe('ok');
    const refused = await push('doc-1', 'gen-old', 'unrelated history');
    expect(refused.status).toBe('error');
    expect(refused.status === 'error' && refused.message).toMatch(/generation gen-a, not gen-old/);
    const stored = await store.load('doc-1');
    const doc = new Y.Doc();
    for (const u of stored!.updates) Y.applyUpdate(doc, u);
    expect(doc.getText('t').toString()).toBe('first history');
  });

  it('[M7] a PUSH of another generation than the loaded room is refused; the room is unchanged', async () => {
    const { registry, push } = setup();
    await push('doc-2', 'gen-a', 'live ');
    const room = await registry.acquire('doc-2');
    const refused = await push('doc-2', 'gen-b', 'stale');
    expect(refused.status).toBe('error');
    expect(room.doc.getText('t').toString()).toBe('live ');
    expect((await push('doc-2', 'gen-a', 'more')).status).toBe('ok');
    expect(room.doc.getText('t').toString()).toContain('more');
  });

  it('[M1] a hand-off to the node that will own the document is answered once the room is loaded there', async () => {
    const { registry, push } = setup((docId) => docId.startsWith('mine-'));
    expect((await push('mine-1', 'gen-a', 'pre-warmed')).status).toBe('ok');
    expect(registry.get('mine-1')?.doc.getText('t').toString()).toBe('pre-warmed');
    expect((await push('other-1', 'gen-a', 'stored only')).status).toBe('ok');
    expect(registry.get('other-1')).toBeUndefined();
  });

  it("[M1][N1] a document handed off to its new owner keeps its Y.Doc through its editors' catch-ups; one a client loaded, nobody editing, does not", async () => {
    const { registry, push } = setup((docId) => docId.startsWith('mine-'));
    expect((await push('mine-5', 'gen-a', 'typed on the old owner')).status).toBe('ok');
    const room = registry.get('mine-5');
    if (!room) throw new Error('not loaded');
    registry.settleCatchUp(room);
    expect(room.isHydrated).toBe(true);
    // a room loaded by a client, nobody editing: its catch-up encodes it
    const other = await registry.acquire('idle-5');
    registry.settleCatchUp(other);
    expect(other.isHydrated).toBe(false);
  });

  it('[N1][C4] an update stored while the document is unloaded is in it when it loads again (no stale encoded copy)', async () => {
    const { registry, push } = setup();
    await push('doc-4', 'gen-a', 'before ');
    const room = await registry.acquire('doc-4');
    expect(room.doc.getText('t').toString()).toBe('before ');
    // Idle: unloaded to its encoded form in memory.
    registry.sweep(Number.MAX_SAFE_INTEGER);
    expect(registry.get('doc-4')).toBeUndefined();
    expect(registry.encodedCount).toBe(1);
    // A replicated update arrives while it is unloaded: it goes to the store only.
    expect((await push('doc-4', 'gen-a', 'after')).status).toBe('ok');
    const again = await registry.acquire('doc-4');
    expect(again.doc.getText('t').toString()).toContain('before ');
    expect(again.doc.getText('t').toString()).toContain('after');
  });

  it('answers written in one turn leave in one corked write, in order', async () => {
    const { conn, handler } = setup();
    const ids = [11, 12, 13, 14, 15];
    for (const id of ids) handler.message(replicatePush(id, `batch-${id}`, `push ${id}`));
    for (let i = 0; i < 1000 && conn.sent.length < ids.length; i++) {
      await new Promise((r) => setImmediate(r));
    }
    const answers = conn.sent.map((bytes) => decodePeerMessage(bytes));
    expect(answers.map((a) => (a.kind === 'response' ? [a.id, a.status] : a.kind))).toEqual(
      ids.map((id) => [id, 'ok']),
    );
    expect(conn.corks).toBe(1);
  });

  it('what a turn wrote before a malformed message closes the link still leaves, then nothing more', async () => {
    const { conn, handler } = setup();
    // one turn: a stream this service cannot serve (answered 4503 at once), a push still being
    // stored, then a malformed message that closes the link
    handler.message(encodePeerMessage({ kind: 'stream-open', id: 7, epoch: 5, docId: 'fwd' }));
    handler.message(replicatePush(21, 'closing', 'stored after the close'));
    handler.message(new Uint8Array([0xff]));
    expect(conn.closeCode).toBe(4400);
    expect(conn.sent.map((bytes) => decodePeerMessage(bytes))).toEqual([
      {
        kind: 'stream-close',
        id: 7,
        code: 4503,
        reason: 'this node does not serve forwarding streams',
      },
    ]);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    // the push's answer came after the close: not written
    expect(conn.sent).toHaveLength(1);
    expect(conn.corks).toBe(1);
  });
});
