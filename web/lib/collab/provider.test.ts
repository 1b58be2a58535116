import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createBackoff } from '../../../client/index.ts';
import { StubWebSocket } from '../../../client/testing/fake-node.ts';
import {
  type ClientFrame,
  CloseCode,
  decodeClientFrame,
  encodeAck,
  encodeHello,
  encodeNotice,
  encodeQueryAwareness,
  encodeRedirect,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  encodeUpgradeRequired,
} from '../../../server/protocol/index.ts';
import { AccessDenied, type TicketGrant } from './access.ts';
import type { LocalStore } from './local-store.ts';
import { type Environment, RingProvider, type SocketLike } from './provider.ts';
import type { RouteInfo } from './route-info.ts';

/** A socket the test drives by hand: `serverSend` delivers, `serverClose` closes. */
class FakeSocket extends StubWebSocket implements SocketLike {
  readonly sent: ClientFrame[] = [];
  closedByClient: number | null = null;
  constructor(readonly url: string) {
    super();
  }
  override send(data: Uint8Array) {
    this.sent.push(decodeClientFrame(new Uint8Array(data)));
  }
  override close(code?: number) {
    this.closedByClient = code ?? 1000;
    this.readyState = 3;
  }
  serverOpen() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSend(frame: Uint8Array) {
    const copy = frame.slice();
    this.onmessage?.({ data: copy.buffer });
  }
  serverClose(code: number, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  content(): ClientFrame[] {
    return this.sent.filter((f) => f.type === 'sync-step2' || f.type === 'sync-update');
  }
}

/** Timers run only when the test says so. */
function manualEnvironment() {
  let now = 1_000;
  let online = true;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let nextId = 1;
  const onlineListeners = new Set<(online: boolean) => void>();
  const env: Environment = {
    isOnline: () => online,
    onOnlineChange(listener) {
      onlineListeners.add(listener);
      return () => onlineListeners.delete(listener);
    },
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    now: () => now,
  };
  return {
    env,
    /** Advances the clock, firing due timers in order. */
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= until)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
    setOnline(value: boolean) {
      online = value;
      for (const l of onlineListeners) l(value);
    },
    pendingTimers: () => timers.size,
  };
}

const members = [
  { id: 'n1', url: 'ws://127.0.0.1:4001', state: 'active' },
  { id: 'n2', url: 'ws://127.0.0.1:4002', state: 'active' },
];

function harness(
  options: {
    owner?: string;
    local?: LocalStore;
    preferNode?: string;
    ticket?: () => Promise<TicketGrant | null>;
  } = {},
) {
  const clock = manualEnvironment();
  const sockets: FakeSocket[] = [];
  const owner = options.owner ?? 'n1';
  const route: RouteInfo = {
    owner,
    url: members.find((m) => m.id === owner)!.url,
    epoch: 5,
    members,
  };
  const doc = new Y.Doc();
  const warnings: string[] = [];
  const provider = new RingProvider({
    docId: 'doc-1',
    doc,
    build: '7',
    environment: clock.env,
    fetchRoute: async () => route,
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    backoff: createBackoff({ random: () => 0.5 }),
    onWarning: (m) => warnings.push(m),
    // This fake node never ACKs; the P30 tests turn the ACK watch on themselves.
    ackTimeoutMs: 0,
    ...(options.local ? { local: options.local } : {}),
    ...(options.preferNode ? { preferNode: options.preferNode } : {}),
    ...(options.ticket ? { ticket: options.ticket } : {}),
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { clock, sockets, provider, doc, route, warnings, flush };
}

/** Plays a node that accepts the socket: open, HELLO, SyncStep1, and SyncStep2 with `state`. */
function serve(socket: FakeSocket, node: string, state: Y.Doc = new Y.Doc(), generation = 'g1') {
  socket.serverOpen();
  socket.serverSend(encodeHello({ node, epoch: 5, generation, protocol: 1 }));
  socket.serverSend(encodeSyncStep1(Y.encodeStateVector(state)));
  socket.serverSend(encodeSyncStep2(Y.encodeStateAsUpdate(state)));
}

describe('RingProvider', () => {
  it('[C1] connects to the owner with build, protocol and epoch in the URL', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    expect(h.sockets).toHaveLength(1);
    expect(h.sockets[0]!.url).toBe('ws://127.0.0.1:4001/doc/doc-1?build=7&proto=1&epoch=5&moves=1');
    serve(h.sockets[0]!, 'n1');
    expect(h.provider.getSnapshot().phase).toBe('synced');
    expect(h.provider.getSnapshot().node).toBe('n1');
    expect(h.sockets[0]!.sent[0]?.type).toBe('sync-step1');
  });

  it('[C4] edits are saving until the node acknowledges them as durable', async () => {
    const h = harness();
    const synced: boolean[] = [];
    h.provider.on('sync', (s) => synced.push(s));
    h.provider.connect();
    await h.flush();
    const socket = h.sockets[0]!;
    serve(socket, 'n1');
    expect(synced).toEqual([true]);
    expect(h.provider.getSnapshot().pending).toBe(1);
    socket.serverSend(encodeAck(1));
    expect(h.provider.getSnapshot().pending).toBe(0);
    h.doc.getText('t').insert(0, 'hello');
    expect(socket.content()).toHaveLength(2);
    expect(h.provider.getSnapshot()).toMatchObject({ pending: 1, unsynced: true });
    socket.serverSend(encodeAck(2));
    expect(h.provider.getSnapshot()).toMatchObject({ pending: 0, unsynced: false, acked: true });
  });

  it('[C2][C3] a redirect to a known member is followed at once and counted', async () => {
    const h = harness({ owner: 'n2', preferNode: 'n1' });
    h.provider.connect();
    await h.flush();
    const first = h.sockets[0]!;
    expect(first.url.startsWith('ws://127.0.0.1:4001/')).toBe(true);
    first.serverOpen();
    first.serverSend(encodeRedirect({ owner: 'n2', url: 'ws://127.0.0.1:4002', epoch: 6 }));
    first.serverClose(CloseCode.REDIRECT);
    await h.flush();
    const second = h.sockets[1]!;
    expect(second.url).toBe('ws://127.0.0.1:4002/doc/doc-1?build=7&proto=1&epoch=6&moves=1');
    serve(second, 'n2');
    expect(h.provider.getSnapshot()).toMatchObject({ phase: 'synced', node: 'n2', redirects: 1 });
  });

  it('[C3] a redirect to an unknown URL is not followed', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    const first = h.sockets[0]!;
    first.serverOpen();
    first.serverSend(encodeRedirect({ owner: 'evil', url: 'ws://evil.example:1', epoch: 6 }));
    first.serverClose(CloseCode.REDIRECT);
    await h.flush();
    expect(h.sockets.every((s) => !s.url.includes('evil'))).toBe(true);
    expect(h.provider.getSnapshot().phase).toBe('waiting');
  });

  it('[C7] retry closes back off, honouring retryAfterMs, then reconnect', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    const first = h.sockets[0]!;
    first.serverOpen();
    first.serverSend(encodeNotice({ code: CloseCode.RETRY, reason: 'fenced', retryAfterMs: 5000 }));
    first.serverClose(CloseCode.RETRY);
    expect(h.provider.getSnapshot().phase).toBe('waiting');
    h.clock.advance(4999);
    await h.flush();
    expect(h.sockets).toHaveLength(1);
    h.clock.advance(1);
    await h.flush();
    expect(h.sockets).toHaveLength(2);
  });

  it('[C7] events of a replaced socket are ignored', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    const first = h.sockets[0]!;
    serve(first, 'n1');
    h.clock.setOnline(false);
    h.clock.setOnline(true);
    await h.flush();
    const second = h.sockets[1]!;
    serve(second, 'n2');
    const before = h.provider.getSnapshot();
    first.serverSend(encodeHello({ node: 'n9', epoch: 99, generation: 'g1', protocol: 1 }));
    first.serverClose(CloseCode.BAD_REQUEST);
    expect(h.provider.getSnapshot()).toBe(before);
    expect(h.provider.getSnapshot().node).toBe('n2');
  });

  it('[C5] bad-request stops reconnecting', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    h.sockets[0]!.serverOpen();
    h.sockets[0]!.serverClose(CloseCode.BAD_REQUEST, 'bad doc id');
    h.clock.advance(60_000);
    await h.flush();
    expect(h.sockets).toHaveLength(1);
    expect(h.provider.getSnapshot()).toMatchObject({ phase: 'stopped', error: 'bad doc id' });
  });

  it('[C6] upgrade-required stops with the minimum build', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    const s = h.sockets[0]!;
    s.serverOpen();
    s.serverSend(encodeUpgradeRequired({ minBuild: '9', message: 'build 7 is older than 9' }));
    s.serverClose(CloseCode.UPGRADE_REQUIRED);
    h.clock.advance(60_000);
    await h.flush();
    expect(h.sockets).toHaveLength(1);
    expect(h.provider.getSnapshot()).toMatchObject({
      phase: 'upgrade-required',
      upgrade: { minBuild: '9', message: 'build 7 is older than 9' },
    });
  });

  it('[M7] a HELLO with another generation than the stored content is never merged', async () => {
    const local: LocalStore = {
      ready: Promise.resolve(),
      available: true,
      generation: async () => 'old-gen',
      setGeneration: async () => {},
      flush: async () => {},
      clear: async () => {},
      destroy: async () => {},
    };
    const h = harness({ local });
    h.doc.getText('t').insert(0, 'local text');
    h.provider.connect();
    await h.flush();
    const s = h.sockets[0]!;
    expect(s.url).toContain('gen=old-gen');
    const server = new Y.Doc();
    server.getText('t').insert(0, 'new world');
    serve(s, 'n1', server, 'new-gen');
    expect(s.content()).toHaveLength(0);
    expect(h.doc.getText('t').toString()).toBe('local text');
    expect(h.provider.getSnapshot().phase).toBe('recovery-required');
  });

  it('[W3] offline edits wait, then travel in the sync answer when the browser is back', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    serve(h.sockets[0]!, 'n1');
    h.clock.setOnline(false);
    expect(h.provider.getSnapshot().phase).toBe('offline');
    h.doc.getText('t').insert(0, 'offline words');
    expect(h.provider.getSnapshot().unsynced).toBe(true);
    h.clock.setOnline(true);
    await h.flush();
    const s = h.sockets[1]!;
    serve(s, 'n1');
    const answer = s.content()[0];
    expect(answer?.type).toBe('sync-step2');
    const server = new Y.Doc();
    if (answer?.type === 'sync-step2') Y.applyUpdate(server, answer.update);
    expect(server.getText('t').toString()).toBe('offline words');
    s.serverSend(encodeAck(1));
    expect(h.provider.getSnapshot()).toMatchObject({ phase: 'synced', unsynced: false });
  });

  it('remote updates are applied and not echoed back', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    const s = h.sockets[0]!;
    serve(s, 'n1');
    const other = new Y.Doc();
    other.getText('t').insert(0, 'from afar');
    s.serverSend(encodeSyncUpdate(Y.encodeStateAsUpdate(other)));
    expect(h.doc.getText('t').toString()).toBe('from afar');
    expect(s.content().filter((f) => f.type === 'sync-update')).toHaveLength(0);
  });

  it('[C7] a silent socket is replaced after the liveness timeout', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    serve(h.sockets[0]!, 'n1');
    h.clock.advance(30_000);
    expect(h.sockets[0]!.closedByClient).toBe(4000);
    h.clock.advance(1_000);
    await h.flush();
    expect(h.sockets.length).toBe(2);
  });

  it('[P30] a node lost after HELLO is replaced at once by the next member, named as suspect', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    serve(h.sockets[0]!, 'n1');
    const lostAt = h.clock.env.now();
    h.sockets[0]!.serverClose(1006, '');
    await h.flush();
    // "At once" = within the 0–250 ms spread (C7), shown as the real next attempt.
    const retryAt = h.provider.getSnapshot().retryAt;
    if (retryAt !== null) expect(retryAt - lostAt).toBeLessThanOrEqual(250);
    h.clock.advance(250);
    await h.flush();
    expect(h.sockets).toHaveLength(2);
    expect(h.sockets[1]!.url).toMatch(/^ws:\/\/127\.0\.0\.1:4002\/doc\/doc-1\?.*suspect=n1/);
    expect(h.provider.getSnapshot().retryAt).toBeNull();
    h.provider.destroy();
  });

  it('[P30] Retry now while waiting reconnects at once', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    serve(h.sockets[0]!, 'n1');
    h.sockets[0]!.serverClose(4503, 'fenced');
    await h.flush();
    expect(h.provider.getSnapshot().phase).toBe('waiting');
    expect(h.sockets).toHaveLength(1);
    h.provider.retryNow();
    await h.flush();
    expect(h.sockets).toHaveLength(2);
    h.provider.destroy();
  });

  it('disconnect stops everything and connect resumes', async () => {
    const h = harness();
    h.provider.connect();
    await h.flush();
    serve(h.sockets[0]!, 'n1');
    h.provider.disconnect();
    expect(h.sockets[0]!.closedByClient).toBe(1000);
    expect(h.provider.getSnapshot().phase).toBe('idle');
    expect(h.clock.pendingTimers()).toBe(0);
    h.provider.connect();
    await h.flush();
    expect(h.sockets).toHaveLength(2);
    h.provider.destroy();
  });

  describe('access tickets (P21)', () => {
    /** A ticket source whose answers the test queues; counts calls. */
    function tickets(clock: { now: () => number }) {
      const calls: number[] = [];
      let mode: 'ok' | 'denied' | 'down' = 'ok';
      let perm: 'edit' | 'view' = 'edit';
      return {
        calls,
        set(next: typeof mode, p: typeof perm = perm) {
          mode = next;
          perm = p;
        },
        source: async (): Promise<TicketGrant> => {
          calls.push(clock.now());
          if (mode === 'denied') throw new AccessDenied('link revoked');
          if (mode === 'down') throw new Error('HTTP 503');
          return { ticket: `t${calls.length}.x.y`, perm, expiresAt: clock.now() + 300_000 };
        },
      };
    }

    /** Advances the clock in 20 s steps with traffic from the node (the liveness timer is 30 s). */
    async function live(h: ReturnType<typeof harness>, socket: FakeSocket, ms: number) {
      for (let done = 0; done < ms; done += 20_000) {
        h.clock.advance(Math.min(20_000, ms - done));
        socket.serverSend(encodeQueryAwareness());
        await h.flush();
      }
    }

    it('[P21] sends its ticket first, then SyncStep1; the ticket decides the permission', async () => {
      let now = () => 0;
      const t = tickets({ now: () => now() });
      const h = harness({ ticket: t.source });
      now = h.clock.env.now;
      h.provider.connect();
      await h.flush();
      const socket = h.sockets[0]!;
      serve(socket, 'n1');
      expect(socket.sent.map((f) => f.type).slice(0, 2)).toEqual(['ticket', 'sync-step1']);
      expect(socket.sent[0]).toEqual({ type: 'ticket', ticket: 't1.x.y' });
      expect(h.provider.getSnapshot()).toMatchObject({ phase: 'synced', permission: 'edit' });
    });

    it('[P21] renews the ticket on the open socket before it expires: no reconnect, no lost edit', async () => {
      let now = () => 0;
      const t = tickets({ now: () => now() });
      const h = harness({ ticket: t.source });
      now = h.clock.env.now;
      h.provider.connect();
      await h.flush();
      const socket = h.sockets[0]!;
      serve(socket, 'n1');
      h.doc.getText('t').insert(0, 'typed before renewal');
      await live(h, socket, 240_000);
      expect(t.calls).toHaveLength(2);
      expect(h.sockets).toHaveLength(1);
      expect(socket.sent.at(-1)).toEqual({ type: 'ticket', ticket: 't2.x.y' });
      h.doc.getText('t').insert(0, 'and after ');
      socket.serverSend(encodeAck(3));
      expect(h.provider.getSnapshot()).toMatchObject({ phase: 'synced', pending: 0 });
    });

    it('[P21] after 4401 (expired) it fetches a new ticket and reconnects; unacked edits resync', async () => {
      let now = () => 0;
      const t = tickets({ now: () => now() });
      const h = harness({ ticket: t.source });
      now = h.clock.env.now;
      h.provider.connect();
      await h.flush();
      const first = h.sockets[0]!;
      serve(first, 'n1');
      h.doc.getText('t').insert(0, 'not yet saved');
      first.serverSend(
        encodeNotice({ code: CloseCode.UNAUTHORIZED, reason: 'ticket expired; fetch a new one' }),
      );
      first.serverClose(CloseCode.UNAUTHORIZED);
      h.clock.advance(60_000);
      await h.flush();
      await h.flush();
      const second = h.sockets[1]!;
      expect(second).toBeDefined();
      serve(second, 'n1');
      expect(second.sent[0]).toEqual({ type: 'ticket', ticket: 't2.x.y' });
      const answer = second.content()[0];
      expect(answer?.type).toBe('sync-step2');
      const probe = new Y.Doc();
      Y.applyUpdate(probe, (answer as { update: Uint8Array }).update);
      expect(probe.getText('t').toString()).toBe('not yet saved');
    });

    it('[P21] a revoked link stops the tab with a clear error and closes its socket', async () => {
      let now = () => 0;
      const t = tickets({ now: () => now() });
      const h = harness({ ticket: t.source });
      now = h.clock.env.now;
      h.provider.connect();
      await h.flush();
      const socket = h.sockets[0]!;
      serve(socket, 'n1');
      t.set('denied');
      await live(h, socket, 240_000);
      expect(socket.closedByClient).toBe(1000);
      expect(h.provider.getSnapshot().phase).toBe('stopped');
      expect(h.provider.getSnapshot().error).toMatch(/revoked/);
    });

    it('[P21] a view ticket: no content is sent, local changes stay local, awareness still flows', async () => {
      let now = () => 0;
      const t = tickets({ now: () => now() });
      t.set('ok', 'view');
      const h = harness({ ticket: t.source });
      now = h.clock.env.now;
      h.provider.connect();
      await h.flush();
      const socket = h.sockets[0]!;
      const state = new Y.Doc();
      state.getText('t').insert(0, 'shared text');
      serve(socket, 'n1', state);
      expect(h.provider.getSnapshot()).toMatchObject({ phase: 'synced', permission: 'view' });
      expect(h.doc.getText('t').toString()).toBe('shared text');
      h.doc.getText('t').insert(0, 'local ');
      h.provider.awareness.setLocalState({ name: 'Viewer' });
      expect(socket.content()).toEqual([]);
      expect(socket.sent.some((f) => f.type === 'awareness')).toBe(true);
      expect(h.provider.getSnapshot().unsynced).toBe(false);
    });
  });
});
