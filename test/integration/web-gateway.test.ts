import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type EtcdServer, startEtcd } from '../../ring/testing/etcd-server.ts';
import { createSilentLogger } from '../../server/log.ts';
import { startWebGateway, type WebGateway } from '../../server/web-gateway/gateway.ts';
import { createRoutingStore, type RoutingStore } from '../../server/web-gateway/routing-store.ts';
import { waitFor } from '../harness/node-process.ts';
import { createPortAllocator } from '../harness/ports.ts';

/**
 * The web gateway against a real etcd: it routes by the sticky `ringdoc-build` cookie, follows
 * `web-gateway` changes live (share, rollback, promotion) and passes WebSocket upgrades through.
 * The upstreams are two small HTTP servers that answer with their build (the real `next start`
 * upstreams are exercised by e2e/web-rollout.spec.ts).
 */
let etcd: EtcdServer;
let client: Etcd3;
let gateway: WebGateway;
let routing: RoutingStore;
const upstreams: http.Server[] = [];
const prefix = '/gw-test/';

async function upstream(build: string): Promise<string> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${build} ${req.url} cookie=${req.headers.cookie ?? ''}`);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => socket.on('message', (m) => socket.send(`${build}:${m}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstreams.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(cookie?: string) {
  const response = await fetch(`${gateway.url}/d/x`, cookie ? { headers: { cookie } } : {});
  return { body: await response.text(), setCookie: response.headers.get('set-cookie') };
}

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: [etcd.endpoint] });
  routing = createRoutingStore(client, prefix);
  const stable = await upstream('1.0.0');
  const canary = await upstream('1.1.0');
  await routing.write({
    version: 1,
    stable: { build: '1.0.0', url: stable, pid: null },
    canary: { build: '1.1.0', url: canary, pid: null, share: 0 },
  });
  // Every new browser draws 0.5: under a share of 50 it is not, at 60 it is.
  gateway = await startWebGateway({
    client,
    prefix,
    port: await createPortAllocator()(),
    log: createSilentLogger(),
    random: () => 0.5,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  for (const s of upstreams) s.closeAllConnections();
  await Promise.all(upstreams.map((s) => new Promise((r) => s.close(r))));
  client?.close();
  await etcd?.stop();
});

describe('web gateway', () => {
  it('assigns new browsers by the share, sticks to the cookie and follows etcd live', async () => {
    const first = await get();
    expect(first.body).toMatch(/^1\.0\.0 \/d\/x/);
    expect(first.setCookie).toMatch(/^ringdoc-build=1\.0\.0; Path=\/;.*HttpOnly/);

    await routing.modify((g) => ({ ...g, canary: g.canary && { ...g.canary, share: 60 } }));
    await waitFor('the gateway to see share 60', () => gateway.routing()?.canary?.share === 60);
    const fresh = await get();
    expect(fresh.body).toMatch(/^1\.1\.0 /);
    expect(fresh.setCookie).toMatch(/^ringdoc-build=1\.1\.0;/);
    // Sticky: the browser assigned to the stable build stays there, without a new cookie.
    const sticky = await get('ringdoc-build=1.0.0');
    expect(sticky.body).toMatch(/^1\.0\.0 /);
    expect(sticky.setCookie).toBeNull();

    // Rollback: the new build leaves; its browsers are re-assigned to the stable build.
    await routing.modify((g) => ({ ...g, canary: null }));
    await waitFor('the gateway to see the rollback', () => gateway.routing()?.canary === null);
    const back = await get('other=1; ringdoc-build=1.1.0');
    expect(back.body).toMatch(/^1\.0\.0 /);
    expect(back.setCookie).toMatch(/^ringdoc-build=1\.0\.0;/);
  });

  it('keeps the last good routing when the record is unreadable', async () => {
    const good = await routing.read();
    await client.put(routing.key).value('{"version":1,"stable":"nope"}');
    expect((await get()).body).toMatch(/^1\.0\.0 /);
    // A valid record written after it arrives after it (the watch is ordered): by then the
    // gateway has seen the bad one and kept routing.
    const stable = good?.stable as NonNullable<typeof good>['stable'];
    await routing.write({
      version: 1,
      stable,
      canary: { build: '1.2.0', url: stable.url, pid: null, share: 1 },
    });
    await waitFor(
      'the gateway to see the next good record',
      () => gateway.routing()?.canary?.build === '1.2.0',
    );
    expect((await get()).body).toMatch(/^1\.0\.0 /);
    await routing.write({ version: 1, stable, canary: null });
  });

  it('passes WebSocket upgrades through to the browser’s build', async () => {
    const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/ws`, {
      headers: { cookie: 'ringdoc-build=1.0.0' },
    });
    const answer = await new Promise<string>((resolve, reject) => {
      socket.once('open', () => socket.send('hi'));
      socket.once('message', (m) => resolve(String(m)));
      socket.once('error', reject);
    });
    socket.close();
    expect(answer).toBe('1.0.0:hi');
  });
});
