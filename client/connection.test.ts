import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  CloseCode,
  encodeAck,
  encodeHello,
  encodeNotice,
  encodeRedirect,
  encodeUpgradeRequired,
} from '../server/protocol/index.ts';
import type { ConnectionOptions } from './connection.ts';
import { createDocSync } from './doc-sync.ts';
import { knownIn } from './redirect-policy.ts';
import { serveDoc, testConnection } from './testing/fake-node.ts';

const members = [
  { id: 'n1', url: 'ws://127.0.0.1:4001' },
  { id: 'n2', url: 'ws://127.0.0.1:4002' },
];

function setup(overrides: Partial<ConnectionOptions> = {}) {
  const { clock, connection, faults, sockets } = testConnection({
    build: '7',
    resolve: () => 'ws://127.0.0.1:4001',
    knownMember: knownIn(members),
    ...overrides,
  });
  const doc = new Y.Doc();
  const sync = createDocSync(connection, { doc });
  return { clock, connection, doc, sync, faults, sockets };
}

describe('connection', () => {
  it('[P6][P9] opens synchronously when the host answers synchronously: URL, then SyncStep1', () => {
    const h = setup({ epoch: 3, expectedGeneration: () => 'g1' });
    h.connection.connect();
    expect(h.sockets).toHaveLength(1);
    expect(h.sockets[0]!.url).toBe(
      'ws://127.0.0.1:4001/doc/doc-1?build=7&proto=1&epoch=3&gen=g1&moves=1',
    );
    serveDoc(h.sockets[0]!, 'n1');
    expect(h.sockets[0]!.sent[0]?.type).toBe('sync-step1');
    expect(h.connection.state).toMatchObject({ phase: 'synced', node: 'n1', generation: 'g1' });
  });

  it('[P9] sends no content before HELLO', () => {
    const h = setup();
    h.connection.connect();
    const s = h.sockets[0]!;
    s.open();
    h.doc.getText('t').insert(0, 'early');
    s.deliver(encodeNotice({ code: 4503, reason: 'x' }));
    expect(s.content()).toEqual([]);
  });

  it('[P17][M7] a HELLO of another generation is never merged: recovery-required by default', () => {
    const h = setup({ expectedGeneration: () => 'old' });
    const mismatches: string[] = [];
    h.connection.on('generation-mismatch', (m) => mismatches.push(`${m.expected}>${m.actual}`));
    h.doc.getText('t').insert(0, 'local');
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1', new Y.Doc(), 'new');
    expect(h.sockets[0]!.content()).toEqual([]);
    expect(h.sockets[0]!.closedByClient).toBe(1000);
    expect(mismatches).toEqual(['old>new']);
    expect(h.connection.state.phase).toBe('recovery-required');
  });

  it('[P17][M7] with onGenerationMismatch "retry" it backs off and reconnects', () => {
    let generation: string | null = 'old';
    const h = setup({ expectedGeneration: () => generation, onGenerationMismatch: 'retry' });
    h.connection.on('generation-mismatch', () => {
      generation = null;
    });
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1', new Y.Doc(), 'new');
    expect(h.connection.state.phase).toBe('waiting');
    h.clock.advance(250);
    expect(h.sockets).toHaveLength(2);
    expect(h.sockets[1]!.url).not.toContain('gen=');
  });

  it('[P11][C3] follows a redirect to a known member at once with its epoch', () => {
    const h = setup();
    h.connection.connect();
    const first = h.sockets[0]!;
    first.open();
    first.deliver(encodeRedirect({ owner: 'n2', url: 'ws://127.0.0.1:4002', epoch: 9 }));
    first.close(CloseCode.REDIRECT);
    expect(h.sockets[1]!.url).toBe('ws://127.0.0.1:4002/doc/doc-1?build=7&proto=1&epoch=9&moves=1');
    expect(h.connection.state.redirects).toBe(1);
  });

  it('[P11a] a REDIRECT with a grace opens the new owner beside the current socket and switches at its HELLO', () => {
    const h = setup();
    const moved: string[] = [];
    h.connection.on('moved', (m) => moved.push(`${m.from}>${m.to}`));
    h.connection.connect();
    const first = h.sockets[0]!;
    serveDoc(first, 'n1');
    const phases: string[] = [];
    h.connection.on('state', (st) => phases.push(st.phase));
    h.doc.getText('t').insert(0, 'a');
    first.deliver(
      encodeRedirect({ owner: 'n2', url: 'ws://127.0.0.1:4002', epoch: 9, graceMs: 3000 }),
    );
    // The old socket stays current: still sending, nothing closed yet.
    expect(h.sockets).toHaveLength(2);
    expect(h.sockets[1]!.url).toBe('ws://127.0.0.1:4002/doc/doc-1?build=7&proto=1&epoch=9&moves=1');
    expect(first.closedByClient).toBeNull();
    const sentBefore = first.content().length;
    h.doc.getText('t').insert(1, 'b');
    expect(first.content().length).toBe(sentBefore + 1);
    expect(h.connection.state).toMatchObject({ phase: 'synced', node: 'n1' });
    // An ACK on the old socket still counts until the switch.
    first.deliver(encodeAck(sentBefore + 1));
    expect(h.connection.state.pending).toBe(0);
    h.doc.getText('t').insert(2, 'c');
    const second = h.sockets[1]!;
    second.open();
    expect(second.sent).toEqual([]);
    serveDoc(second, 'n2');
    expect(first.closedByClient).toBe(1000);
    expect(moved).toEqual(['n1>n2']);
    expect(h.connection.state).toMatchObject({ phase: 'synced', node: 'n2' });
    // The tab never showed "Connecting…" while it moved.
    expect(new Set(phases)).toEqual(new Set(['synced']));
    // The new owner gets the usual opening (SyncStep1) and, after HELLO, the unacknowledged content.
    expect(second.sent[0]?.type).toBe('sync-step1');
    expect(second.content().length).toBeGreaterThan(0);
    // Frames still arriving on the old socket are ignored.
    first.deliver(encodeAck(sentBefore + 2));
    expect(h.connection.state.pending).toBeGreaterThan(0);
  });

  it('[P11a] when the new owner fails before HELLO the client stays, and the close 4300 redirects as usual', () => {
    const h = setup();
    h.connection.connect();
    const first = h.sockets[0]!;
    serveDoc(first, 'n1');
    const redirect = { owner: 'n2', url: 'ws://127.0.0.1:4002', epoch: 9 };
    first.deliver(encodeRedirect({ ...redirect, graceMs: 3000 }));
    h.sockets[1]!.close(1006);
    expect(h.connection.state).toMatchObject({ phase: 'synced', node: 'n1' });
    expect(first.closedByClient).toBeNull();
    first.deliver(encodeRedirect(redirect));
    first.close(CloseCode.REDIRECT);
    expect(h.sockets).toHaveLength(3);
    expect(h.sockets[2]!.url).toBe('ws://127.0.0.1:4002/doc/doc-1?build=7&proto=1&epoch=9&moves=1');
  });

  it('[P11a] a close of the current socket while the new owner is opening drops the new socket', () => {
    const h = setup();
    h.connection.connect();
    const first = h.sockets[0]!;
    serveDoc(first, 'n1');
    first.deliver(
      encodeRedirect({ owner: 'n2', url: 'ws://127.0.0.1:4002', epoch: 9, graceMs: 3000 }),
    );
    const pending = h.sockets[1]!;
    first.close(CloseCode.REDIRECT);
    expect(pending.closedByClient).toBe(1000);
    expect(h.sockets).toHaveLength(3);
    serveDoc(pending, 'n2');
    expect(h.connection.state.node).toBeNull();
    serveDoc(h.sockets[2]!, 'n2');
    expect(h.connection.state).toMatchObject({ phase: 'synced', node: 'n2' });
  });

  it('[P11a] a REDIRECT with a grace to an unknown member opens nothing', () => {
    const h = setup();
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.sockets[0]!.deliver(
      encodeRedirect({ owner: 'evil', url: 'ws://evil.example:1', epoch: 9, graceMs: 3000 }),
    );
    expect(h.sockets).toHaveLength(1);
    expect(h.connection.state).toMatchObject({ phase: 'synced', node: 'n1' });
  });

  it('[P11a] with movesBeforeClose false the client does not announce moves=1', () => {
    const h = setup({ movesBeforeClose: false });
    h.connection.connect();
    expect(h.sockets[0]!.url).not.toContain('moves=');
  });

  it('[P11][C3] an unknown target is refreshed once, then refused with a backoff', () => {
    let refreshes = 0;
    const refused: string[] = [];
    const h = setup({ refreshMembers: () => void refreshes++ });
    h.connection.on('redirect-refused', (r) => refused.push(r.target.owner));
    h.connection.connect();
    const first = h.sockets[0]!;
    first.open();
    first.deliver(encodeRedirect({ owner: 'evil', url: 'ws://evil.example:1', epoch: 9 }));
    first.close(CloseCode.REDIRECT);
    expect(refreshes).toBe(1);
    expect(refused).toEqual(['evil']);
    expect(h.sockets).toHaveLength(1);
    expect(h.connection.state.phase).toBe('waiting');
  });

  it('[C3] at most 5 redirects in a row; another close ends the row', () => {
    const h = setup();
    const redirect = (i: number) => {
      const s = h.sockets[i]!;
      s.open();
      s.deliver(encodeRedirect({ owner: 'n1', url: 'ws://127.0.0.1:4001', epoch: 1 }));
      s.close(CloseCode.REDIRECT);
    };
    h.connection.connect();
    for (let i = 0; i < 4; i++) redirect(i);
    h.sockets[4]!.close(1006);
    h.clock.advance(250);
    for (let i = 5; i < 10; i++) redirect(i);
    expect(h.sockets).toHaveLength(11);
    redirect(10);
    expect(h.sockets).toHaveLength(11);
    expect(h.connection.state.phase).toBe('waiting');
  });

  it('[P15][P20] a retry close waits at least the NOTICE retryAfterMs; a NOTICE of another code is ignored', () => {
    const h = setup();
    h.connection.connect();
    const first = h.sockets[0]!;
    first.open();
    first.deliver(encodeNotice({ code: CloseCode.RETRY, reason: 'fenced', retryAfterMs: 5000 }));
    first.close(CloseCode.RETRY);
    h.clock.advance(4999);
    expect(h.sockets).toHaveLength(1);
    h.clock.advance(1);
    expect(h.sockets).toHaveLength(2);
    const second = h.sockets[1]!;
    second.open();
    second.deliver(encodeNotice({ code: CloseCode.RETRY, reason: 'x', retryAfterMs: 60_000 }));
    second.close(1006);
    h.clock.advance(500);
    expect(h.sockets).toHaveLength(3);
  });

  it('[P15] bad-request stops; upgrade-required stops with the minimum build', () => {
    const a = setup();
    a.connection.connect();
    a.sockets[0]!.open();
    a.sockets[0]!.close(CloseCode.BAD_REQUEST, 'bad doc id');
    a.clock.advance(60_000);
    expect(a.sockets).toHaveLength(1);
    expect(a.connection.state).toMatchObject({ phase: 'stopped', error: 'bad doc id' });

    const b = setup();
    b.connection.connect();
    b.sockets[0]!.open();
    b.sockets[0]!.deliver(encodeUpgradeRequired({ minBuild: '9', message: 'too old' }));
    b.sockets[0]!.close(CloseCode.UPGRADE_REQUIRED);
    expect(b.connection.state).toMatchObject({
      phase: 'upgrade-required',
      upgrade: { minBuild: '9', message: 'too old' },
    });
    b.connection.connect();
    expect(b.sockets).toHaveLength(1);
  });

  it('[P20] events of a replaced socket are ignored', () => {
    const h = setup();
    h.connection.connect();
    const first = h.sockets[0]!;
    serveDoc(first, 'n1');
    h.connection.setOnline(false);
    h.connection.setOnline(true);
    serveDoc(h.sockets[1]!, 'n2');
    const before = h.connection.state;
    first.deliver(encodeHello({ node: 'n9', epoch: 99, generation: 'g1', protocol: 1 }));
    first.close(CloseCode.BAD_REQUEST);
    expect(h.connection.state).toBe(before);
  });

  it('[C7] a silent socket is replaced after the liveness timeout; 0 turns the check off', () => {
    const h = setup({ livenessTimeoutMs: 1000 });
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.clock.advance(1000);
    expect(h.sockets[0]!.closedByClient).toBe(4000);
    const off = setup({ livenessTimeoutMs: 0 });
    off.connection.connect();
    serveDoc(off.sockets[0]!, 'n1');
    expect(off.clock.pending()).toBe(0);
  });

  it('no owner known: backs off and asks again; a malformed frame is a fault', () => {
    let answer: string | null = null;
    const h = setup({ resolve: () => answer });
    h.connection.connect();
    expect(h.connection.state.phase).toBe('waiting');
    answer = 'ws://127.0.0.1:4001';
    h.clock.advance(250);
    expect(h.sockets).toHaveLength(1);
    h.sockets[0]!.open();
    h.sockets[0]!.deliver(new Uint8Array([99]));
    expect(h.faults[0]).toMatch(/malformed frame/);
    expect(h.sockets[0]!.closedByClient).toBe(4000);
  });

  it('disconnect cancels every timer; a final phase ignores connect()', () => {
    const h = setup();
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.connection.disconnect();
    expect(h.sockets[0]!.closedByClient).toBe(1000);
    expect(h.connection.state.phase).toBe('idle');
    expect(h.clock.pending()).toBe(0);
    h.connection.connect();
    expect(h.sockets).toHaveLength(2);
  });

  it('[P10] the ACK count is per socket: a new socket starts from 0', () => {
    const h = setup();
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.sockets[0]!.deliver(encodeAck(1));
    expect(h.sync.ackedCount).toBe(1);
    h.sockets[0]!.close(1006);
    expect(h.sync.ackedCount).toBe(0);
  });
});
