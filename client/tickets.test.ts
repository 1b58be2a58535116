import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, encodeNotice } from '../server/protocol/index.ts';
import { createDocSync } from './doc-sync.ts';
import { serveDoc, testConnection } from './testing/fake-node.ts';
import { AccessDenied, type TicketGrant } from './tickets.ts';

/** Flushes pending promise continuations (ticket sources are async). */
const flush = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  let mode: 'ok' | 'down' | 'denied' = 'ok';
  const calls: number[] = [];
  const { clock, connection, sockets } = testConnection({
    livenessTimeoutMs: 0,
    tickets: async (): Promise<TicketGrant> => {
      calls.push(clock.now());
      if (mode === 'denied') throw new AccessDenied('link revoked');
      if (mode === 'down') throw new Error('HTTP 503');
      return { ticket: `t${calls.length}.x.y`, perm: 'edit', expiresAt: clock.now() + 100_000 };
    },
  });
  createDocSync(connection, { doc: new Y.Doc() });
  return {
    clock,
    connection,
    calls,
    sockets,
    set: (m: typeof mode) => {
      mode = m;
    },
  };
}

describe('tickets (P21)', () => {
  it('[P21] the ticket goes first on the socket and is renewed on it at 80 % of its life', async () => {
    const h = setup();
    h.connection.connect();
    await flush();
    const s = h.sockets[0]!;
    serveDoc(s, 'n1');
    expect(s.sent[0]).toEqual({ type: 'ticket', ticket: 't1.x.y' });
    expect(h.connection.state.permission).toBe('edit');
    h.clock.advance(80_000);
    await flush();
    expect(h.calls).toHaveLength(2);
    expect(s.sent.at(-1)).toEqual({ type: 'ticket', ticket: 't2.x.y' });
    expect(h.sockets).toHaveLength(1);
  });

  it('[P21] a failed renewal is retried after 5 s; a denial stops the client and closes the socket', async () => {
    const h = setup();
    h.connection.connect();
    await flush();
    serveDoc(h.sockets[0]!, 'n1');
    h.set('down');
    h.clock.advance(80_000);
    await flush();
    h.set('denied');
    h.clock.advance(5_000);
    await flush();
    expect(h.calls).toHaveLength(3);
    expect(h.sockets[0]!.closedByClient).toBe(1000);
    expect(h.connection.state).toMatchObject({ phase: 'stopped' });
    expect(h.connection.state.error).toMatch(/revoked/);
  });

  it('[P21] 4401 forgets the ticket and reconnects with a new one; more than 3 in a row stop', async () => {
    const h = setup();
    h.connection.connect();
    for (let i = 0; i < 4; i++) {
      await flush();
      const s = h.sockets[i]!;
      s.open();
      expect(s.sent[0]).toEqual({ type: 'ticket', ticket: `t${i + 1}.x.y` });
      s.deliver(encodeNotice({ code: CloseCode.UNAUTHORIZED, reason: 'ticket expired' }));
      s.close(CloseCode.UNAUTHORIZED);
      h.clock.advance(5_000);
    }
    expect(h.connection.state).toMatchObject({ phase: 'stopped' });
    expect(h.connection.state.error).toMatch(/Access refused/);
  });
});
