import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
  encodeAck,
  encodeAwareness,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncUpdate,
} from '../server/protocol/index.ts';
import { attachAwareness } from './awareness-sync.ts';
import { createDocSync } from './doc-sync.ts';
import { serveDoc, testConnection } from './testing/fake-node.ts';

function setup(readOnly = false) {
  const { clock, connection, faults, sockets } = testConnection();
  const doc = new Y.Doc();
  const sync = createDocSync(connection, { doc, readOnly: () => readOnly });
  const content: number[] = [];
  const acks: number[] = [];
  sync.on('content', (seq) => content.push(seq));
  sync.on('ack', (n) => acks.push(n));
  return { clock, connection, doc, sync, faults, content, acks, sockets };
}

describe('doc sync', () => {
  it('[P10][C4] numbers content messages per socket and maps cumulative ACKs to them', () => {
    const h = setup();
    h.doc.getText('t').insert(0, 'offline ');
    h.connection.connect();
    const s = h.sockets[0]!;
    serveDoc(s, 'n1');
    expect(s.content().map((f) => f.type)).toEqual(['sync-step2']);
    h.doc.getText('t').insert(0, 'a');
    h.doc.getText('t').insert(0, 'b');
    expect(h.content).toEqual([1, 2, 3]);
    expect(h.connection.state).toMatchObject({ pending: 3, unsynced: true, phase: 'synced' });
    s.deliver(encodeAck(2));
    expect(h.connection.state).toMatchObject({ pending: 1, acked: true, unsynced: true });
    s.deliver(encodeAck(3));
    expect(h.acks).toEqual([2, 3]);
    expect(h.connection.state).toMatchObject({ pending: 0, unsynced: false });
  });

  it('[P10] an implausible ACK is a fault and changes nothing', () => {
    const h = setup();
    h.connection.connect();
    const s = h.sockets[0]!;
    serveDoc(s, 'n1');
    s.deliver(encodeAck(5));
    expect(h.faults).toEqual(['ignoring implausible ACK 5']);
    expect(h.acks).toEqual([]);
    expect(h.connection.state.pending).toBe(1);
  });

  it('[P3] a change made before the SyncStep2 travels inside it; remote changes are not echoed', () => {
    const h = setup();
    h.connection.connect();
    const s = h.sockets[0]!;
    s.open();
    h.doc.getText('t').insert(0, 'before');
    serveDoc(s, 'n1');
    const answer = s.content()[0];
    const probe = new Y.Doc();
    if (answer?.type === 'sync-step2') Y.applyUpdate(probe, answer.update);
    expect(probe.getText('t').toString()).toBe('before');
    const other = new Y.Doc();
    other.getText('t').insert(0, 'far ');
    s.deliver(encodeSyncUpdate(Y.encodeStateAsUpdate(other)));
    expect(s.content()).toHaveLength(1);
  });

  it('[P3] an update the client cannot apply is a fault and replaces the socket', () => {
    const h = setup();
    h.connection.connect();
    const s = h.sockets[0]!;
    serveDoc(s, 'n1');
    s.deliver(encodeSyncUpdate(new Uint8Array([1, 2, 3, 4, 5])));
    expect(h.faults[0]).toMatch(/cannot apply/);
    expect(s.closedByClient).toBe(4000);
  });

  it('[P21] a read-only client sends no content', () => {
    const h = setup(true);
    h.connection.connect();
    const s = h.sockets[0]!;
    serveDoc(s, 'n1');
    h.doc.getText('t').insert(0, 'x');
    s.deliver(encodeSyncStep1(new Uint8Array([0])));
    expect(s.content()).toEqual([]);
    expect(h.connection.state).toMatchObject({ phase: 'synced', unsynced: false });
  });

  it('setDoc: the next socket syncs the new document', () => {
    const h = setup();
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    const next = new Y.Doc();
    next.getText('t').insert(0, 'fresh');
    h.sync.setDoc(next);
    h.sockets[0]!.close(1006);
    h.clock.advance(250);
    serveDoc(h.sockets[1]!, 'n1');
    const answer = h.sockets[1]!.content()[0];
    const probe = new Y.Doc();
    if (answer?.type === 'sync-step2') Y.applyUpdate(probe, answer.update);
    expect(probe.getText('t').toString()).toBe('fresh');
  });
});

describe('awareness sync', () => {
  it('[C8] sends its own state once synced, answers queries, drops others when the socket ends', () => {
    const h = setup();
    const awareness = new awarenessProtocol.Awareness(h.doc);
    awareness.setLocalState({ name: 'A' });
    attachAwareness(h.connection, awareness);
    h.connection.connect();
    const s = h.sockets[0]!;
    serveDoc(s, 'n1');
    expect(s.sent.filter((f) => f.type === 'awareness')).toHaveLength(1);
    expect(s.sent.at(-1)?.type).toBe('query-awareness');
    const remoteDoc = new Y.Doc();
    const remote = new awarenessProtocol.Awareness(remoteDoc);
    remote.setLocalState({ name: 'B' });
    s.deliver(
      encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(remote, [remoteDoc.clientID])),
    );
    expect(awareness.getStates().size).toBe(2);
    s.deliver(encodeQueryAwareness());
    expect(s.sent.filter((f) => f.type === 'awareness')).toHaveLength(2);
    awareness.setLocalStateField('name', 'A2');
    expect(s.sent.filter((f) => f.type === 'awareness')).toHaveLength(3);
    s.close(1006);
    expect([...awareness.getStates().keys()]).toEqual([h.doc.clientID]);
  });

  it('[C8][P30] with keepOthersMs the others outlive a short outage; whoever is not reported again is removed', () => {
    const h = setup();
    const awareness = new awarenessProtocol.Awareness(h.doc);
    awareness.setLocalState({ name: 'A' });
    attachAwareness(h.connection, awareness, h.connection, {
      clock: h.clock,
      minIntervalMs: 0,
      keepOthersMs: 10_000,
    });
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    const peer = (name: string) => {
      const d = new Y.Doc();
      const a = new awarenessProtocol.Awareness(d);
      a.setLocalState({ name });
      return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(a, [d.clientID]));
    };
    const b = peer('B');
    h.sockets[0]!.deliver(b);
    h.sockets[0]!.deliver(peer('C'));
    expect(awareness.getStates().size).toBe(3);
    h.sockets[0]!.close(1006);
    expect(awareness.getStates().size).toBe(3);
    h.clock.advance(1000);
    serveDoc(h.sockets[1]!, 'n2');
    h.sockets[1]!.deliver(b);
    h.clock.advance(10_000);
    const names = [...awareness.getStates().values()].map((s) => s.name).sort();
    expect(names).toEqual(['A', 'B']);
  });
});
