import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { createSilentLogger } from '../log.ts';
import { createPeerPool, type PeerPool, type RequestBody } from './peer-client.ts';
import { decodePeerMessage, encodePeerMessage } from './peer-protocol.ts';

/** A peer's `/internal` channel that answers every push with ok, on a real loopback socket. */
async function answeringPeer() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const serverSockets = new Set<unknown>();
  const received: string[] = [];
  server.on('connection', (ws, req) => {
    serverSockets.add(req.socket);
    ws.on('message', (data: Buffer) => {
      const message = decodePeerMessage(new Uint8Array(data));
      if (message.kind !== 'push') return;
      received.push(message.docId);
      ws.send(
        encodePeerMessage({
          kind: 'response',
          id: message.id,
          status: 'ok',
          epoch: message.epoch,
          doc: null,
        }),
      );
    });
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, server, serverSockets, received };
}

const push = (n: number): RequestBody => ({
  kind: 'push',
  docId: `doc-${n}`,
  generation: 'gen-a',
  role: 'replicate',
  update: new Uint8Array([0, 0]),
});

describe('peer pool over WebSockets', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const fn of cleanups.splice(0)) fn();
  });

  it('requests sent in one turn leave the node in one write, in order, and are all answered', async () => {
    const peer = await answeringPeer();
    const pool: PeerPool = createPeerPool({ secret: 's', log: createSilentLogger() });
    cleanups.push(
      () => pool.close(),
      () => peer.server.close(),
    );
    // the link is open and idle
    expect((await pool.request(peer.url, push(0), 1)).status).toBe('ok');

    const writes: unknown[] = [];
    const count = function (this: unknown) {
      if (!peer.serverSockets.has(this)) writes.push(this);
    };
    const write = Socket.prototype._write;
    const writev = Socket.prototype._writev;
    vi.spyOn(Socket.prototype, '_write').mockImplementation(function (this: Socket, ...args) {
      count.call(this);
      return write.apply(this, args);
    });
    vi.spyOn(Socket.prototype, '_writev').mockImplementation(function (this: Socket, ...args) {
      count.call(this);
      return writev?.apply(this, args);
    });

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool.request(peer.url, push(i + 1), 1)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill('ok'));
    expect(peer.received).toEqual(Array.from({ length: 21 }, (_, i) => `doc-${i}`));
    expect(writes).toHaveLength(1);
  });
});
