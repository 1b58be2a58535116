import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  CloseCode,
  decodeClientFrame,
  encodeHello,
  encodeRedirect,
  encodeReply,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '../protocol/index.ts';
import { HistoryClient, HistoryError, type HistorySocket } from './client.ts';
import { lexicalDoc } from './testing/lexical-doc.ts';
import { cutVersion } from './versions.ts';

/** A socket the test drives as if it were the node. */
class FakeSocket implements HistorySocket {
  binaryType = 'blob';
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: ReturnType<typeof decodeClientFrame>[] = [];
  constructor(readonly url: string) {}
  send(data: Uint8Array): void {
    this.sent.push(decodeClientFrame(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(frame: Uint8Array): void {
    this.onmessage?.({ data: frame.slice().buffer });
  }
  closeWith(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

function historyState(): Uint8Array {
  const history = new Y.Doc();
  cutVersion(lexicalDoc([['paragraph', 'hi']]), history, {
    id: 'v1',
    kind: 'named',
    name: 'one',
    at: 1,
  });
  return Y.encodeStateAsUpdate(history);
}

function setup(
  ticket?: () => Promise<string | null>,
  announce: { build?: string; protocolVersion?: number } = {},
) {
  const sockets: FakeSocket[] = [];
  const client = new HistoryClient({
    ...announce,
    docId: 'notes',
    resolveUrl: async () => 'ws://owner:1',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    ...(ticket ? { ticket } : {}),
  });
  const socket = async (n: number) =>
    vi.waitFor(() => sockets[n] ?? Promise.reject(new Error(`no socket ${n}`)));
  return { client, sockets, socket };
}

describe('HistoryClient (W6, P23)', () => {
  it('[P21][W6] opens the history sub-room with its ticket first, syncs the versions and sends requests', async () => {
    const t = setup(async () => 'a.b.c');
    const s = await t.socket(0);
    expect(s.url).toBe('ws://owner:1/doc/notes/versions?proto=1');
    s.open();
    expect(s.sent.map((f) => f.type)).toEqual(['ticket', 'sync-step1']);
    s.deliver(encodeHello({ node: 'n1', epoch: 1, generation: 'g', protocol: 1, perm: 'view' }));
    s.deliver(encodeSyncStep2(historyState()));
    await t.client.ready();
    expect(t.client.perm).toBe('view');
    expect(t.client.versions().map((v) => v.name)).toEqual(['one']);
    const reply = t.client.request('restore', { version: '1' });
    await vi.waitFor(() => expect(s.sent.at(-1)?.type).toBe('request'));
    const request = s.sent.at(-1);
    if (request?.type !== 'request') throw new Error('no request');
    expect(request).toMatchObject({ op: 'restore', args: { version: '1' } });
    s.deliver(encodeReply({ id: request.id, ok: false, code: 4403, reason: 'forbidden' }));
    expect(await reply).toMatchObject({ ok: false, code: 4403 });
    // A new version appears live.
    const more = new Y.Doc();
    Y.applyUpdate(more, Y.encodeStateAsUpdate(t.client.doc));
    const before = Y.encodeStateVector(more);
    cutVersion(lexicalDoc([['paragraph', 'hi there']]), more, { id: 'v2', kind: 'auto', at: 2 });
    s.deliver(encodeSyncUpdate(Y.encodeStateAsUpdate(more, before)));
    expect(t.client.versions().map((v) => v.id)).toEqual(['v1', 'v2']);
    t.client.close();
  });

  it("[P13] announces the page's build and protocol version; refused for it (4426), it fails without retrying", async () => {
    const t = setup(undefined, { build: '0.4.0', protocolVersion: 99 });
    const s = await t.socket(0);
    expect(s.url).toBe('ws://owner:1/doc/notes/versions?build=0.4.0&proto=99');
    s.open();
    s.closeWith(CloseCode.UPGRADE_REQUIRED, 'protocol 99 is not served');
    await vi.waitFor(() => expect(t.client.state).toBe('failed'));
    expect(t.sockets).toHaveLength(1);
    t.client.close();
  });

  it('[P11] follows a redirect to the owner at once', async () => {
    const t = setup();
    const first = await t.socket(0);
    first.open();
    first.deliver(encodeRedirect({ owner: 'n2', url: 'ws://n2:2', epoch: 3 }));
    first.closeWith(CloseCode.REDIRECT);
    const second = await t.socket(1);
    expect(second.url).toBe('ws://n2:2/doc/notes/versions?proto=1');
    t.client.close();
  });

  it('[P21] an expired ticket (4401) reconnects with a fresh one; a forbidden one (4403) fails', async () => {
    let tickets = 0;
    const t = setup(async () => `t.${++tickets}.x`);
    const first = await t.socket(0);
    first.open();
    first.closeWith(CloseCode.UNAUTHORIZED, 'ticket expired');
    const second = await t.socket(1);
    second.open();
    expect(second.sent[0]).toEqual({ type: 'ticket', ticket: 't.2.x' });
    const ready = t.client.ready();
    second.closeWith(CloseCode.FORBIDDEN, 'the share link of this ticket was revoked');
    await expect(ready).rejects.toThrow(HistoryError);
    expect(t.client.state).toBe('failed');
    expect(t.client.error?.code).toBe(CloseCode.FORBIDDEN);
    t.client.close();
  });
});
