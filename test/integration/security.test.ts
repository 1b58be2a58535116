import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { createKeyspace } from '../../ring/index.ts';
import { encodeLinkRecord } from '../../server/auth/link-record.ts';
import { createTicketSigner, generateTicketKeys } from '../../server/auth/ticket.ts';
import { SECRET_HEADER } from '../../server/cluster/peer-client.ts';
import { DEVELOPMENT_CLUSTER_SECRET } from '../../server/config.ts';
import { awarenessClientIds } from '../../server/documents/awareness-ids.ts';
import {
  CloseCode,
  encodeAwareness,
  encodeQueryAwareness,
  encodeSyncStep1,
  type Permission,
} from '../../server/protocol/index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import type { NodeProcess } from '../harness/node-process.ts';
import { waitFor } from '../harness/node-process.ts';
import { RawClient, type RawClientOptions } from '../harness/raw-client.ts';

/**
 * Access control (P21) and abuse limits (P22) against a real 2-node cluster with tickets
 * required. Every test uses its own documents and its own loopback source address
 * (127.0.0.x), so the per-address connection limit of one test never touches another.
 */
const keys = generateTicketKeys();
const LIMITS = [
  'messagesPerSecond=50',
  'messageBurst=100',
  'bytesPerSecond=102400',
  'byteBurst=102400',
  'documentBytesPerSecond=204800',
  'documentByteBurst=204800',
  'maxDocumentBytes=153600',
  'awarenessPerSecond=5',
  'awarenessBurst=10',
  'connectionAttemptsPerSecond=5',
  'connectionAttemptBurst=20',
].join(',');

let cluster: Cluster;
let etcd: Etcd3;
let keyDir: string | undefined;
let signer: Awaited<ReturnType<typeof createTicketSigner>>;
const clients: RawClient[] = [];
let seq = 0;
let address = 10;
const nextAddress = () => `127.0.0.${address++}`;

/** A fresh document id owned by `node` (so a test can put offender and bystander on one node). */
async function docOn(node: NodeProcess, stem: string): Promise<string> {
  for (;;) {
    const id = `${stem}-${Date.now().toString(36)}-${seq++}`;
    if ((await cluster.ownerOf(id)).owner === node.id) return id;
  }
}

async function mint(docId: string, perm: Permission = 'edit', linkId = 'link-default') {
  return (await signer.sign({ docId, perm, linkId })).ticket;
}

function client(node: NodeProcess, docId: string, options: RawClientOptions = {}): RawClient {
  const c = new RawClient(node.url, docId, { localAddress: nextAddress(), ...options });
  clients.push(c);
  return c;
}

/** Connects with an edit ticket for `docId` (unless `options.ticket` says otherwise) and syncs. */
async function synced(node: NodeProcess, docId: string, options: RawClientOptions = {}) {
  const c = client(node, docId, { ticket: await mint(docId.split('/')[0]!), ...options });
  await c.opened();
  await c.waitSynced();
  return c;
}

async function loaded(node: NodeProcess): Promise<{ loaded: string[]; stored: string[] }> {
  return (await (await fetch(`${node.httpUrl}/docs`)).json()) as {
    loaded: string[];
    stored: string[];
  };
}

/** The bystander on `node`: another document, still editable and acknowledged. */
async function bystanderWorks(node: NodeProcess): Promise<void> {
  const docId = await docOn(node, 'bystander');
  const b = await synced(node, docId);
  b.type('still here');
  await b.waitAcked();
  b.close();
}

const n1 = () => cluster.node('n1');
const n2 = () => cluster.node('n2');

beforeAll(async () => {
  signer = await createTicketSigner({ privateKey: keys.privateKey });
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-keys-'));
  const keyFile = path.join(keyDir, 'ticket-public.pem');
  await writeFile(keyFile, keys.publicKey);
  cluster = await startCluster({
    nodes: 2,
    nodeArgs: ['--ticket-public-key', keyFile, '--limits', LIMITS],
  });
  etcd = new Etcd3({ hosts: [cluster.etcd.endpoint] });
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  etcd?.close();
  await cluster?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
}, 60_000);

describe('[P21] tickets', () => {
  it('[P21] no ticket, a forged ticket, an expired ticket → 4401; a ticket for A on B → 4403; no document loaded', async () => {
    const docA = await docOn(n1(), 'doc-a');
    const docB = await docOn(n1(), 'doc-b');
    const forger = await createTicketSigner({ privateKey: generateTicketKeys().privateKey });
    const stale = await createTicketSigner({
      privateKey: keys.privateKey,
      now: () => Date.now() - 3_600_000,
    });
    const cases: Array<[string, string, string | undefined, number, RegExp]> = [
      ['none', docB, undefined, CloseCode.UNAUTHORIZED, /ticket is required/],
      [
        'forged',
        docB,
        (await forger.sign({ docId: docB, perm: 'edit', linkId: 'x-forged' })).ticket,
        CloseCode.UNAUTHORIZED,
        /signature/,
      ],
      [
        'expired',
        docB,
        (await stale.sign({ docId: docB, perm: 'edit', linkId: 'x-stale1' })).ticket,
        CloseCode.UNAUTHORIZED,
        /expired/,
      ],
      ['for A', docB, await mint(docA), CloseCode.FORBIDDEN, /ticket is for document/],
    ];
    for (const [name, docId, ticket, code, reason] of cases) {
      const c = client(n1(), docId, ticket ? { ticket } : {});
      await c.opened();
      const closed = await c.waitClosed();
      expect({ name, code: closed.code }).toEqual({ name, code });
      expect(c.frame('notice')?.reason).toMatch(reason);
      expect(c.frame('hello')).toBeUndefined();
      expect(c.frame('sync-step1')).toBeUndefined();
    }
    const docs = await loaded(n1());
    expect(docs.loaded).not.toContain(docB);
    expect(docs.stored).not.toContain(docB);
    await bystanderWorks(n1());
  });

  it('[P21][R3] an edit ticket opens its document and its sub-rooms, with perm in HELLO', async () => {
    const docId = await docOn(n1(), 'doc-sub');
    const ticket = await mint(docId);
    const main = await synced(n1(), docId, { ticket });
    const sub = await synced(n1(), `${docId}/comments`, { ticket });
    expect(main.frame('hello')).toMatchObject({ node: 'n1', perm: 'edit' });
    sub.type('a comment');
    await sub.waitAcked();
  });

  it('[P21][C2] a non-owner verifies the ticket before redirecting; the owner verifies it again', async () => {
    const docId = await docOn(n2(), 'doc-redirect');
    const ticket = await mint(docId);
    const none = client(n1(), docId);
    await none.opened();
    expect((await none.waitClosed()).code).toBe(CloseCode.UNAUTHORIZED);
    const wrong = client(n1(), docId, { ticket });
    await wrong.opened();
    expect((await wrong.waitClosed()).code).toBe(CloseCode.REDIRECT);
    const target = wrong.frame('redirect')!;
    expect(target.owner).toBe('n2');
    const bare = new RawClient(target.url, docId, { localAddress: nextAddress() });
    clients.push(bare);
    await bare.opened();
    expect((await bare.waitClosed()).code).toBe(CloseCode.UNAUTHORIZED);
    const right = new RawClient(target.url, docId, { ticket, localAddress: nextAddress() });
    clients.push(right);
    await right.opened();
    await right.waitSynced();
  });

  it('[P21] a view ticket: its updates are not applied, stored or acknowledged, it is told so, and its awareness still works', async () => {
    const docId = await docOn(n1(), 'doc-view');
    const editor = await synced(n1(), docId);
    editor.type('written by the editor');
    await editor.waitAcked();
    const viewer = await synced(n1(), docId, { ticket: await mint(docId, 'view') });
    expect(viewer.frame('hello')).toMatchObject({ perm: 'view' });
    expect(viewer.text()).toBe('written by the editor');
    viewer.type(' + vandalism');
    await waitFor('read-only notice', () => viewer.frame('notice') !== undefined);
    expect(viewer.frame('notice')).toMatchObject({ code: CloseCode.FORBIDDEN });
    expect(viewer.frame('notice')?.reason).toMatch(/read-only/);

    const awareness = new awarenessProtocol.Awareness(viewer.doc);
    awareness.setLocalState({ user: { name: 'Viewer' }, cursor: 3 });
    viewer.sendRaw(
      encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [viewer.doc.clientID])),
    );
    await waitFor('the editor sees the viewer in awareness', () =>
      editor.frames.some(
        (f) => f.type === 'awareness' && awarenessClientIds(f.update).includes(viewer.doc.clientID),
      ),
    );
    awareness.destroy();

    editor.type(' and more');
    await editor.waitAcked();
    const fresh = await synced(n1(), docId);
    expect(fresh.text()).toBe('written by the editor and more');
    expect(Y.decodeStateVector(Y.encodeStateVector(fresh.doc)).has(viewer.doc.clientID)).toBe(
      false,
    );
    expect(viewer.acked).toBe(0);
    expect(viewer.frames.some((f) => f.type === 'ack')).toBe(false);
    expect(viewer.closeCode).toBeNull();
  });

  it('[P21] revoking a link closes its sockets (4403) and refuses its tickets; other links stay', async () => {
    const docId = await docOn(n1(), 'doc-revoke');
    const revoked = await synced(n1(), docId, { ticket: await mint(docId, 'edit', 'link-revoke') });
    const kept = await synced(n1(), docId, { ticket: await mint(docId, 'edit', 'link-keepit') });
    await etcd.put(createKeyspace(cluster.prefix).linkKey('link-revoke')).value(
      encodeLinkRecord({
        id: 'link-revoke',
        doc: docId,
        perm: 'edit',
        created: Date.now(),
        secretHash: 'x',
        revoked: true,
        revokedAt: Date.now(),
      }),
    );
    expect((await revoked.waitClosed()).code).toBe(CloseCode.FORBIDDEN);
    expect(revoked.frame('notice')?.reason).toMatch(/revoked/);
    const again = client(n1(), docId, { ticket: await mint(docId, 'edit', 'link-revoke') });
    await again.opened();
    expect((await again.waitClosed()).code).toBe(CloseCode.FORBIDDEN);
    kept.type('still editing');
    await kept.waitAcked();
    expect(kept.closeCode).toBeNull();
  });

  it('[P21] a ticket expiring mid-session is renewed in place; without renewal the socket closes with 4401', async () => {
    const docId = await docOn(n1(), 'doc-renew');
    // Tickets that expired 3.5 s ago: still inside the 5 s clock tolerance at connect.
    const ageing = await createTicketSigner({
      privateKey: keys.privateKey,
      ttlSeconds: 10,
      now: () => Date.now() - 13_500,
    });
    const old = async () =>
      (await ageing.sign({ docId, perm: 'edit', linkId: 'link-ageing' })).ticket;
    const renewing = await synced(n1(), docId, { ticket: await old() });
    const lapsing = await synced(n1(), docId, { ticket: await old() });
    renewing.sendRaw(encodeTicketFrame(await mint(docId)));
    renewing.type('typed before the old ticket lapsed');
    expect((await lapsing.waitClosed()).code).toBe(CloseCode.UNAUTHORIZED);
    expect(lapsing.frame('notice')?.reason).toMatch(/expired/);
    renewing.type(' and after');
    await renewing.waitAcked();
    expect(renewing.closeCode).toBeNull();
  });
});

describe('[I1] the internal channel', () => {
  it('[I1] /internal refuses a missing or wrong cluster secret (401) and accepts the right one', async () => {
    const attempt = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${n1().url}/internal`, { headers });
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.once('error', (error) => resolve(error.message));
      });
    expect(await attempt({})).toBe('401');
    expect(await attempt({ [SECRET_HEADER]: 'not-the-secret-at-all' })).toBe('401');
    expect(await attempt({ [SECRET_HEADER]: DEVELOPMENT_CLUSTER_SECRET })).toBe('open');
  });
});

/** A valid SyncStep1 frame of about `bytes` bytes: a state vector naming many unknown clients. */
function bigStep1(bytes: number): Uint8Array {
  const encoder = encoding.createEncoder();
  const entries = Math.floor(bytes / 6);
  encoding.writeVarUint(encoder, entries);
  for (let i = 0; i < entries; i++) {
    encoding.writeVarUint(encoder, 1_000_000_000 + i);
    encoding.writeVarUint(encoder, 1);
  }
  return encodeSyncStep1(encoding.toUint8Array(encoder));
}

function encodeTicketFrame(ticket: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 21);
  encoding.writeVarString(encoder, ticket);
  return encoding.toUint8Array(encoder);
}

describe('[P22] limits: the offender is closed with a clear code, others on the node are unaffected', () => {
  it('[P22] connection attempts per address: the excess gets 4529 with retry-after', async () => {
    const docId = await docOn(n1(), 'doc-flood');
    const from = nextAddress();
    const flood = Array.from({ length: 30 }, () => client(n1(), docId, { localAddress: from }));
    await Promise.all(flood.map((c) => c.opened().catch(() => {})));
    await waitFor('refused attempts', () =>
      flood.some((c) => c.closeCode === CloseCode.RATE_LIMITED),
    );
    const refused = flood.find((c) => c.closeCode === CloseCode.RATE_LIMITED)!;
    expect(refused.frame('notice')?.reason).toMatch(/too many connection attempts/);
    expect(refused.frame('notice')?.retryAfterMs).toBeGreaterThan(0);
    for (const c of flood) c.close();
    await bystanderWorks(n1());
  });

  it('[P22] messages per second per connection', async () => {
    const docId = await docOn(n1(), 'doc-chatty');
    const chatty = await synced(n1(), docId);
    for (let i = 0; i < 150; i++) chatty.sendRaw(encodeQueryAwareness());
    expect((await chatty.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
    expect(chatty.frame('notice')?.reason).toMatch(/too many messages/);
    await bystanderWorks(n1());
  });

  it('[P22] bytes per second per connection', async () => {
    const docId = await docOn(n1(), 'doc-bulky');
    const bulky = await synced(n1(), docId);
    bulky.sendRaw(bigStep1(60_000));
    bulky.sendRaw(bigStep1(60_000));
    expect((await bulky.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
    expect(bulky.frame('notice')?.reason).toMatch(/too many bytes on this connection/);
    await bystanderWorks(n1());
  });

  it('[P22] inbound bytes per second per document', async () => {
    const docId = await docOn(n1(), 'doc-busy');
    const senders = [
      await synced(n1(), docId),
      await synced(n1(), docId),
      await synced(n1(), docId),
    ];
    for (const s of senders) s.sendRaw(bigStep1(80_000));
    await waitFor('one sender refused', () =>
      senders.some((s) => s.closeCode === CloseCode.RATE_LIMITED),
    );
    const refused = senders.find((s) => s.closeCode === CloseCode.RATE_LIMITED)!;
    expect(refused.frame('notice')?.reason).toMatch(/this document receives too much data/);
    await bystanderWorks(n1());
  });

  it('[P22] awareness updates per second', async () => {
    const docId = await docOn(n1(), 'doc-cursor');
    const fidget = await synced(n1(), docId);
    const awareness = new awarenessProtocol.Awareness(fidget.doc);
    for (let i = 0; i < 15; i++) {
      awareness.setLocalState({ cursor: i });
      fidget.sendRaw(
        encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [fidget.doc.clientID])),
      );
    }
    awareness.destroy();
    expect((await fidget.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
    expect(fidget.frame('notice')?.reason).toMatch(/too many awareness updates/);
    await bystanderWorks(n1());
  });

  it('[P22] maximum document size: growth is refused with 4413, nothing of it applied; the document stays readable', async () => {
    const docId = await docOn(n1(), 'doc-huge');
    const writers = [await synced(n1(), docId), await synced(n1(), docId)];
    let refused: RawClient | undefined;
    let refusedText = '';
    for (let i = 0; i < 12 && !refused; i++) {
      const w = writers[i % 2]!;
      w.type('x'.repeat(20_000), `t${i}`);
      await waitFor('ack or close', () => w.acked >= w.sentContent || w.closeCode !== null);
      if (w.closeCode !== null) {
        refused = w;
        refusedText = `t${i}`;
      }
    }
    expect(refused?.closeCode).toBe(CloseCode.DOCUMENT_TOO_LARGE);
    expect(refused?.frame('notice')?.reason).toMatch(/maximum size/);
    const reader = await synced(n1(), docId);
    const size = Y.encodeStateAsUpdate(reader.doc).length;
    expect(size).toBeLessThanOrEqual(153_600);
    expect(size).toBeGreaterThan(100_000);
    expect(reader.text(refusedText)).toBe('');
    await bystanderWorks(n1());
  });

  it('[P22] an unauthenticated socket may not queue more than maxUnauthenticatedBytes (1009), nothing is loaded', async () => {
    const docId = await docOn(n1(), 'doc-preauth');
    const ws = new WebSocket(`${n1().url}/doc/${docId}?proto=1`, { localAddress: nextAddress() });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.once('open', () => ws.send(bigStep1(70_000)));
    expect(await closed).toBe(CloseCode.TOO_BIG);
    expect((await loaded(n1())).loaded).not.toContain(docId);
    await bystanderWorks(n1());
  });
});
