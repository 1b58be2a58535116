import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connectRaw } from './raw-ws.ts';

describe('raw WebSocket client', () => {
  let server: WebSocketServer;
  let port = 0;

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    server.on('connection', (ws, req) => {
      if (req.url === '/hello') ws.send(Buffer.from('hi'));
      if (req.url === '/close') ws.close(4300, 'go away');
      if (req.url === '/ping') ws.ping(Buffer.from('p1'));
      ws.on('pong', (data) => ws.send(Buffer.concat([Buffer.from('pong:'), data])));
      ws.on('message', (data: Buffer) => ws.send(data));
    });
  });
  afterAll(() => {
    server.close();
  });

  const open = (path: string) => {
    const messages: Buffer[] = [];
    const closes: number[] = [];
    const sock = connectRaw(
      { host: '127.0.0.1', port, path },
      { onMessage: (p) => messages.push(Buffer.from(p)), onClose: (c) => closes.push(c) },
    );
    return { sock, messages, closes };
  };
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(done()).toBe(true);
  };

  it('sends prefix + body as one frame and reads frames of every length encoding', async () => {
    const c = open('/echo');
    const sock = await c.sock;
    for (const size of [5, 200, 70_000]) {
      const body = Buffer.alloc(size, 7);
      sock.send(body, new Uint8Array([1, 2]));
    }
    await until(() => c.messages.length === 3);
    expect(c.messages.map((m) => m.length)).toEqual([7, 202, 70_002]);
    expect([...c.messages[0]!]).toEqual([1, 2, 7, 7, 7, 7, 7]);
    sock.close();
  });

  it('delivers a frame that arrives with the upgrade answer after the caller has the socket', async () => {
    const c = open('/hello');
    await c.sock;
    expect(c.messages).toHaveLength(0);
    await until(() => c.messages.length === 1);
    expect(c.messages[0]!.toString()).toBe('hi');
    (await c.sock).close();
  });

  it('answers pings and reports the close code the server sent', async () => {
    const p = open('/ping');
    await until(() => p.messages.some((m) => m.toString() === 'pong:p1'));
    (await p.sock).close();
    const c = open('/close');
    const sock = await c.sock;
    await until(() => c.closes.length === 1);
    expect(c.closes[0]).toBe(4300);
    expect(sock.closed).toBe(true);
  });
});
