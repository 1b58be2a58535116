import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { createEtcdClient, setConfig } from '../../ring/index.ts';
import { SECRET_HEADER } from '../../server/cluster/peer-client.ts';
import { DEVELOPMENT_CLUSTER_SECRET } from '../../server/config.ts';
import { createSilentLogger } from '../../server/log.ts';
import { decodeSegment } from '../../server/persistence/journal-format.ts';
import { JOURNAL_DIR } from '../../server/persistence/journal-store.ts';
import { CloseCode, encodeClientFrame } from '../../server/protocol/index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { waitFor } from '../harness/node-process.ts';
import { RawClient } from '../harness/raw-client.ts';

let cluster: Cluster;
const clients: Array<{ close(): void }> = [];
let seq = 0;
const newDocId = () => `doc-${Date.now().toString(36)}-${seq++}`;

function track<T extends { close(): void }>(c: T): T {
  clients.push(c);
  return c;
}

async function ownerAndOther(docId: string) {
  const route = await cluster.ownerOf(docId);
  const owner = cluster.node(route.owner);
  const other = cluster.nodes.find((n) => n.id !== route.owner && n.running);
  if (!other) throw new Error('need two nodes');
  return { owner, other, route };
}

async function connect(docId: string, options: ConstructorParameters<typeof RawClient>[2] = {}) {
  const { owner } = await ownerAndOther(docId);
  const client = track(new RawClient(owner.url, docId, options));
  await client.opened();
  await client.waitSynced();
  return client;
}

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
}, 60_000);

describe('a node serving documents (real etcd, real node processes)', () => {
  it('[P9] a stock y-websocket 3.1.0 client syncs a document through its owner', async () => {
    const docId = newDocId();
    const { owner } = await ownerAndOther(docId);
    const docA = new Y.Doc();
    const docB = new Y.Doc();
    const opts = {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    };
    const a = new WebsocketProvider(`${owner.url}/doc`, docId, docA, opts);
    const b = new WebsocketProvider(`${owner.url}/doc`, docId, docB, opts);
    track({ close: () => a.destroy() });
    track({ close: () => b.destroy() });
    await waitFor('both stock clients synced', () => a.synced && b.synced);
    docA.getText('t').insert(0, 'hello from a');
    docB.getText('t').insert(0, 'b says hi ');
    await waitFor(
      'stock clients converge',
      () =>
        docA.getText('t').toString() === docB.getText('t').toString() &&
        docA.getText('t').length === 22,
    );
    a.destroy();
    b.destroy();
  });

  it('[C4] two ringdoc clients converge and every content message is acknowledged', async () => {
    const docId = newDocId();
    const a = await connect(docId);
    const b = await connect(docId);
    for (let i = 0; i < 20; i++) {
      a.type(`a${i} `);
      b.type(`b${i} `);
    }
    await a.waitAcked();
    await b.waitAcked();
    await waitFor('converged', () => a.text() === b.text() && a.text().length > 0);
    expect(a.text()).toContain('a19 ');
    expect(b.text()).toContain('b19 ');
    expect(a.frame('hello')).toMatchObject({ node: (await cluster.ownerOf(docId)).owner });
  });

  it('[C2] a client on a non-owner is redirected with the owner URL, follows it and syncs', async () => {
    const docId = newDocId();
    const { owner, other } = await ownerAndOther(docId);
    const wrong = track(new RawClient(other.url, docId));
    await wrong.opened();
    const closed = await wrong.waitClosed();
    expect(closed.code).toBe(CloseCode.REDIRECT);
    const redirect = wrong.frame('redirect');
    expect(redirect).toMatchObject({ owner: owner.id, url: owner.url });
    const right = track(new RawClient(redirect!.url, docId, { epoch: redirect!.epoch }));
    await right.opened();
    await right.waitSynced();
    right.type('after redirect');
    await right.waitAcked();
  });

  it('[C2] GET /route/<id> gives the same answer on all three nodes', async () => {
    for (let i = 0; i < 10; i++) {
      const docId = newDocId();
      const answers = await Promise.all(cluster.nodes.map((n) => cluster.ownerOf(docId, n)));
      for (const a of answers) expect(a).toEqual(answers[0]);
    }
    const bad = await fetch(`${cluster.nodes[0]!.httpUrl}/route/bad%20id`);
    expect(bad.status).toBe(400);
  });

  it('[N6] health, readiness, metrics and ring endpoints answer', async () => {
    const n = cluster.nodes[0]!;
    expect((await fetch(`${n.httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${n.httpUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${n.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ringdoc_documents_loaded \d+/);
    expect(metrics).toMatch(/ringdoc_ring_epoch \d+/);
    const ring = (await (await fetch(`${n.httpUrl}/ring`)).json()) as {
      members: Array<{ id: string; state: string }>;
    };
    expect(ring.members.map((m) => m.id).sort()).toEqual(['n1', 'n2', 'n3']);
    const docId = newDocId();
    const c = await connect(docId);
    c.type('x');
    await c.waitAcked();
    const { owner } = await ownerAndOther(docId);
    // /docs is for operators: the test nodes run with the development secret.
    const docs = (await (
      await fetch(`${owner.httpUrl}/docs`, {
        headers: { [SECRET_HEADER]: DEVELOPMENT_CLUSTER_SECRET },
      })
    ).json()) as {
      loaded: string[];
      stored: string[];
    };
    expect(docs.loaded).toContain(docId);
    expect(docs.stored).toContain(docId);
  });

  it('[C5] a malformed frame closes only its socket with bad-request; the document is unchanged', async () => {
    const docId = newDocId();
    const good = await connect(docId);
    good.type('keep me');
    await good.waitAcked();
    const bad = await connect(docId);
    const before = Y.encodeStateVector(good.doc);
    bad.sendRaw(new Uint8Array([0, 2, 200, 1, 7]));
    expect((await bad.waitClosed()).code).toBe(CloseCode.BAD_REQUEST);
    expect(bad.frame('notice')?.reason).toMatch(/malformed|truncated|length/i);
    good.type('!');
    await good.waitAcked();
    expect(good.closeCode).toBeNull();
    expect(Y.encodeStateVector(good.doc)).not.toEqual(before);
    expect(good.text()).toBe('keep me!');
  });

  it('[C5] an update Yjs cannot apply closes its socket; nothing from it is applied or acknowledged', async () => {
    const docId = newDocId();
    const good = await connect(docId);
    good.type('base');
    await good.waitAcked();
    const bad = await connect(docId);
    const ackedBefore = bad.acked;
    const garbage = new Uint8Array([5, 200, 100, 3, 9, 9, 9, 9, 1, 2, 3]);
    bad.sendRaw(encodeClientFrame({ type: 'sync-update', update: garbage }));
    expect((await bad.waitClosed()).code).toBe(CloseCode.BAD_REQUEST);
    expect(bad.acked).toBe(ackedBefore);
    const probe = await connect(docId);
    expect(probe.text()).toBe('base');
    expect(Y.encodeStateVector(probe.doc)).toEqual(Y.encodeStateVector(good.doc));
    expect(good.closeCode).toBeNull();
  });

  it('[C5] an oversized frame closes its socket with 1009; others are untouched', async () => {
    const docId = newDocId();
    const good = await connect(docId);
    const big = await connect(docId);
    big.sendRaw(new Uint8Array(9 * 1024 * 1024));
    expect((await big.waitClosed()).code).toBe(1009);
    good.type('still fine');
    await good.waitAcked();
    expect(good.closeCode).toBeNull();
  });

  it('[C1] an invalid document id is refused with bad-request', async () => {
    const c = track(new RawClient(cluster.nodes[0]!.url, 'bad%20id'));
    await c.opened().catch(() => {});
    expect((await c.waitClosed()).code).toBe(CloseCode.BAD_REQUEST);
  });

  it('[C6] an outdated build gets upgrade-required; raising the minimum notifies a connected outdated tab', async () => {
    const etcd = createEtcdClient({
      endpoints: [cluster.etcd.endpoint],
      log: createSilentLogger(),
    });
    try {
      const docId = newDocId();
      const old = await connect(docId, { build: '3' });
      const current = await connect(docId, { build: '5' });
      const stock = await connect(docId, { ringdoc: false });
      await setConfig(etcd, cluster.prefix, 'min-client-build', '5');
      const closed = await old.waitClosed();
      expect(closed.code).toBe(CloseCode.UPGRADE_REQUIRED);
      expect(old.frame('upgrade-required')).toMatchObject({ minBuild: '5' });
      const fresh = track(
        new RawClient((await ownerAndOther(docId)).owner.url, docId, { build: '4' }),
      );
      await fresh.opened();
      expect((await fresh.waitClosed()).code).toBe(CloseCode.UPGRADE_REQUIRED);
      // Per-build health from the handshake build id (issue 19): reloads and sessions by build.
      const metrics = await (
        await fetch(`${(await ownerAndOther(docId)).owner.httpUrl}/metrics`)
      ).text();
      expect(metrics).toMatch(/^ringdoc_client_build_upgrade_required_total\{build="4"\} 1$/m);
      expect(metrics).toMatch(/^ringdoc_client_build_sessions_total\{build="5"\} [1-9]/m);
      current.type('ok');
      await current.waitAcked();
      expect(current.closeCode).toBeNull();
      expect(stock.closeCode).toBeNull();
    } finally {
      await setConfig(etcd, cluster.prefix, 'min-client-build', '');
      etcd.close();
    }
  });

  it('[C4][N2] an acknowledged update survives kill -9 of the node right after the ack', async () => {
    const docId = newDocId();
    const { owner } = await ownerAndOther(docId);
    const c = await connect(docId);
    c.type('durable before the crash');
    await c.waitAcked();
    await owner.kill();
    await owner.start();
    await cluster.waitForRing(cluster.nodes.map((n) => n.id));
    const after = await connect(docId);
    expect(after.text()).toBe('durable before the crash');
  });

  it('[N1][N2] a corrupt stored document fails to load with a clear error, bytes untouched, others work', async () => {
    const docId = newDocId();
    const healthyId = newDocId();
    const { owner } = await ownerAndOther(docId);
    const c = await connect(docId);
    for (let i = 0; i < 5; i++) c.type(`line ${i}\n`);
    await c.waitAcked();
    c.close();
    await owner.kill();
    // the document's updates are in the node-wide journal (N7): damage the first frame naming it
    const damaged = await damageFrameOf(owner.dataDir, docId);
    await owner.start();
    await cluster.waitForRing(cluster.nodes.map((n) => n.id));
    const victim = track(new RawClient(owner.url, docId));
    await victim.opened();
    const closed = await victim.waitClosed();
    expect(closed.code).toBe(CloseCode.LOAD_FAILED);
    expect(victim.frame('notice')?.reason).toMatch(/corrupt/);
    expect(
      Buffer.compare(
        (await readFile(damaged.path)).subarray(0, damaged.bytes.length),
        damaged.bytes,
      ),
    ).toBe(0);
    const healthy = await connect(healthyId);
    healthy.type('fine');
    await healthy.waitAcked();
  });
});

/**
 * Flips a byte inside the first journal frame (not the last of its segment) naming `docId`;
 * returns the segment's path and its damaged bytes.
 */
async function damageFrameOf(
  dataDir: string,
  docId: string,
): Promise<{ path: string; bytes: Buffer }> {
  const dir = path.join(dataDir, JOURNAL_DIR);
  for (const name of (await readdir(dir)).sort()) {
    const file = path.join(dir, name);
    const bytes = await readFile(file);
    const { validBytes } = decodeSegment(bytes);
    for (let offset = 0; offset < validBytes; ) {
      const end = offset + 8 + bytes.readUInt32LE(offset);
      if (end < validBytes && bytes.subarray(offset, end).includes(Buffer.from(docId))) {
        bytes[end - 2] = (bytes[end - 2] ?? 0) ^ 0xff;
        await writeFile(file, bytes);
        return { path: file, bytes };
      }
      offset = end;
    }
  }
  throw new Error(`no journal frame of ${docId} followed by another in ${dir}`);
}
