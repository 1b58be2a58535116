import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, encodeAck, encodeRedirect } from '../server/protocol/index.ts';
import type { ConnectionOptions } from './connection.ts';
import { createDocSync } from './doc-sync.ts';
import { serveDoc, testConnection } from './testing/fake-node.ts';

const N1 = 'ws://127.0.0.1:4001';
const N2 = 'ws://127.0.0.1:4002';

function setup(overrides: Partial<ConnectionOptions> = {}) {
  const lost: Array<{ node: string | null; url: string; suspects: readonly string[] }> = [];
  const { clock, connection, sockets } = testConnection({
    resolve: () => N1,
    failover: (l) => {
      lost.push(l);
      return { url: N2, suspect: l.node ?? 'n1' };
    },
    ...overrides,
  });
  const doc = new Y.Doc();
  createDocSync(connection, { doc });
  return { clock, connection, sockets, lost, doc };
}

describe('failover to the next holder (P30, M8)', () => {
  it('[P30] a socket that dies after HELLO is replaced at once by one to another member naming the lost node', () => {
    const h = setup();
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.sockets[0]!.close(1006);
    expect(h.lost).toEqual([{ node: 'n1', url: N1, suspects: [] }]);
    expect(h.sockets).toHaveLength(2);
    expect(h.sockets[1]!.url).toBe(`${N2}/doc/doc-1?proto=1&epoch=5&suspect=n1&moves=1`);
  });

  it('[P30] the second loss in a row waits for the backoff; a sync clears the suspect', () => {
    const h = setup();
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.sockets[0]!.close(1006);
    h.sockets[1]!.close(1006);
    expect(h.sockets).toHaveLength(2);
    expect(h.connection.state.phase).toBe('waiting');
    h.clock.advance(60_000);
    expect(h.sockets).toHaveLength(3);
    expect(h.sockets[2]!.url).toContain('suspect=');
    serveDoc(h.sockets[2]!, 'n2');
    h.sockets[2]!.deliver(encodeRedirect({ owner: 'n1', url: N1, epoch: 1 }));
    h.sockets[2]!.close(CloseCode.REDIRECT);
    expect(h.sockets[3]!.url).toBe(`${N1}/doc/doc-1?proto=1&epoch=5&moves=1`);
  });

  it('[P30] a redirect target that cannot be reached is named as the suspect', () => {
    const h = setup();
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n2');
    h.sockets[0]!.deliver(encodeRedirect({ owner: 'n3', url: 'ws://127.0.0.1:4003', epoch: 2 }));
    h.sockets[0]!.close(CloseCode.REDIRECT);
    h.sockets[1]!.close(1006);
    expect(h.lost).toEqual([{ node: 'n3', url: 'ws://127.0.0.1:4003', suspects: [] }]);
    expect(h.sockets[2]!.url).toContain('suspect=n3');
  });

  it('[P30] a node that closes with retry (it spoke) is not suspected', () => {
    const h = setup();
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.sockets[0]!.close(CloseCode.RETRY);
    expect(h.lost).toEqual([]);
    expect(h.connection.state.phase).toBe('waiting');
  });

  it('[P30] without a failover the client only backs off', () => {
    const h = setup({ failover: undefined });
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.sockets[0]!.close(1006);
    expect(h.sockets).toHaveLength(1);
    expect(h.connection.state.phase).toBe('waiting');
  });

  it('[P30] content left unacknowledged for ackTimeoutMs suspects the node; ACK progress keeps it', () => {
    const h = setup({ ackTimeoutMs: 2000 });
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.doc.getText('t').insert(0, 'a');
    h.clock.advance(1500);
    h.sockets[0]!.deliver(encodeAck(1));
    h.doc.getText('t').insert(0, 'b');
    h.clock.advance(1500);
    expect(h.sockets).toHaveLength(1);
    h.clock.advance(600);
    expect(h.sockets[0]!.closedByClient).toBe(4000);
    expect(h.lost).toEqual([{ node: 'n1', url: N1, suspects: [] }]);
    expect(h.sockets[1]!.url).toContain('suspect=n1');
  });

  it('[P34] a client served provisionally that loses that holder too names both; a hand-back sync forgets them', () => {
    const h = setup({
      failover: (l) => {
        h.lost.push(l);
        return { url: l.node === 'n1' ? N2 : 'ws://127.0.0.1:4003', suspect: l.node ?? 'n1' };
      },
    });
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    h.sockets[0]!.close(1006);
    expect(h.sockets[1]!.url).toContain('suspect=n1');
    // n2 serves it provisionally, then dies too: the next attempt names n1 and n2.
    serveDoc(h.sockets[1]!, 'n2');
    h.sockets[1]!.close(1006);
    expect(h.lost[1]).toEqual({ node: 'n2', url: N2, suspects: ['n1'] });
    expect(h.sockets[2]!.url).toBe(
      'ws://127.0.0.1:4003/doc/doc-1?proto=1&epoch=5&suspect=n1%2Cn2&moves=1',
    );
    // n3 serves it, then hands it back to n1: synced there, nothing is suspected any more.
    serveDoc(h.sockets[2]!, 'n3');
    h.sockets[2]!.deliver(encodeRedirect({ owner: 'n1', url: N1, epoch: 6 }));
    h.sockets[2]!.close(CloseCode.REDIRECT);
    expect(h.sockets[3]!.url).not.toContain('suspect=');
    serveDoc(h.sockets[3]!, 'n1');
    h.sockets[3]!.close(1006);
    expect(h.lost[2]).toEqual({ node: 'n1', url: N1, suspects: [] });
    expect(h.sockets.at(-1)!.url).toContain('suspect=n1');
    expect(h.sockets.at(-1)!.url).not.toContain('n2');
  });

  it('[P30][C7] the immediate failover waits the drawn spread, shown as the real next attempt', () => {
    const h = setup({ failoverSpreadMs: () => 120 });
    h.connection.connect();
    serveDoc(h.sockets[0]!, 'n1');
    const lostAt = h.clock.now();
    h.sockets[0]!.close(1006);
    expect(h.sockets).toHaveLength(1);
    expect(h.connection.state.phase).toBe('waiting');
    expect(h.connection.state.retryAt).toBe(lostAt + 120);
    h.clock.advance(119);
    expect(h.sockets).toHaveLength(1);
    h.clock.advance(1);
    expect(h.sockets).toHaveLength(2);
    expect(h.sockets[1]!.url).toBe(`${N2}/doc/doc-1?proto=1&epoch=5&suspect=n1&moves=1`);
  });
});
