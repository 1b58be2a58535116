import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { createTicketSigner, generateTicketKeys } from '../../server/auth/ticket.ts';
import { SECRET_HEADER } from '../../server/cluster/peer-client.ts';
import { DEVELOPMENT_CLUSTER_SECRET } from '../../server/config.ts';
import { awarenessClientIds } from '../../server/documents/awareness-ids.ts';
import { createSilentLogger } from '../../server/log.ts';
import {
  CloseCode,
  encodeAwareness,
  encodeQueryAwareness,
  encodeSyncStep1,
  type Permission,
} from '../../server/protocol/index.ts';
import { createAccessControl } from '../../web/lib/server/access.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { clusterMeta } from '../harness/meta.ts';
import type { NodeProcess } from '../harness/node-process.ts';
import { waitFor } from '../harness/node-process.ts';
import { RawClient, type RawClientOptions } from '../harness/raw-client.ts';
import { runRingdoc } from '../harness/run-ringdoc.ts';

/**
 * Access control (P21) and abuse limits (P22) against a real 2-node cluster with tickets
 * required. Every test uses its own documents and its own loopback source address
 * (127.1.x.y), so the per-address connection limit of one test never touches another.
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
let meta: Awaited<ReturnType<typeof clusterMeta>>;
let keyDir: string | undefined;
let signer: Awaited<ReturnType<typeof createTicketSigner>>;
const clients: RawClient[] = [];
let seq = 0;
let address = 10;
/** A loopback source address of its own (Linux routes all of 127/8 to lo). */
const nextAddress = () => {
  const n = address++;
  return `127.1.${Math.floor(n / 250)}.${(n % 250) + 1}`;
};

/** A fresh document id owned by `node` (so a test can put offender and bystander on one node). */
async function docOn(node: NodeProcess, stem: string): Promise<string> {
  for (;;) {
    const id = `${stem}-${Date.now().toString(36)}-${seq++}`;
    if ((await cluster.ownerOf(id)).owner === node.id) return id;
  }
}

const OPERATOR_TOKEN = 'operator-token-for-the-security-test';
const PROXY = '127.0.0.250';
const asOperator = { authorization: `Bearer ${OPERATOR_TOKEN}` };

/**
 * Adds link `linkId` to the document's own link list on its owner (P21, PROTOCOL K3: nodes
 * accept only tickets of live links the document keeps), adopting the document as an operator
 * would if it has no index entry; with `revoked`, revokes it as the web app does (the owner
 * writes the tombstone, every node is told).
 */
async function putLink(linkId: string, docId: string, perm: Permission, revoked = false) {
  const { nodes } = meta;
  const ensured = await nodes.call(docId, 'ensure', { adopt: true });
  expect([200, 201]).toContain(ensured.status);
  const created = await nodes.call(docId, 'link.create', {
    id: linkId,
    perm,
    secretHash: createHash('sha256').update(linkId).digest('hex'),
  });
  expect([201, 409]).toContain(created.status);
  if (revoked) {
    expect((await nodes.call(docId, 'link.revoke', { id: linkId })).status).toBe(200);
    await nodes.announceRevocation(linkId);
  }
}

/** A ticket of a live link (its record written first; by default one link per document and permission). */
async function mint(docId: string, perm: Permission = 'edit', linkId?: string) {
  const id =
    linkId ??
    `l${createHash('sha256').update(`${docId}:${perm}`).digest('base64url').slice(0, 20)}`;
  await putLink(id, docId, perm);
  return (await signer.sign({ docId, perm, linkId: id })).ticket;
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
  return (await (await fetch(`${node.httpUrl}/docs`, { headers: asOperator })).json()) as {
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
    nodeArgs: ['--ticket-public-key', keyFile, '--limits', LIMITS, '--trusted-proxies', PROXY],
    nodeEnv: { RINGDOC_OPERATOR_TOKEN: OPERATOR_TOKEN },
  });
  meta = await clusterMeta(cluster, createSilentLogger());
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await meta?.close();
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

  it("[K1] no ticket opens a document's metadata room (its links and their secret hashes): 4403, also through a non-owner", async () => {
    const docId = await docOn(n1(), 'doc-meta');
    const ticket = await mint(docId);
    for (const node of [n1(), n2()]) {
      const c = client(node, `${docId}/meta`, { ticket });
      await c.opened();
      const closed = await c.waitClosed();
      expect(closed.code).toBe(CloseCode.FORBIDDEN);
      expect(c.frame('sync-step2')).toBeUndefined();
    }
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
    await putLink('link-revoke', docId, 'edit', true);
    expect((await revoked.waitClosed()).code).toBe(CloseCode.FORBIDDEN);
    expect(revoked.frame('notice')?.reason).toMatch(/revoked/);
    const again = client(n1(), docId, {
      ticket: (await signer.sign({ docId, perm: 'edit', linkId: 'link-revoke' })).ticket,
    });
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
    await putLink('link-ageing', docId, 'edit');
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

/**
 * Opens sockets from `from` (with `headers`) in waves of ten until one is refused with 4529 or
 * `max` were opened; resolves with the refused ones (closed by then). Waves instead of a fixed count: on a
 * loaded machine a fixed 30 sockets can take longer to open than the bucket takes to refill.
 */
async function flood(
  docId: string,
  from: string,
  max: number,
  headers: () => Record<string, string> = () => ({}),
): Promise<RawClient[]> {
  const sockets: RawClient[] = [];
  let refused: RawClient[] = [];
  while (refused.length === 0 && sockets.length < max) {
    const wave = Array.from({ length: 10 }, () =>
      client(n1(), docId, { localAddress: from, headers: headers() }),
    );
    sockets.push(...wave);
    await Promise.all(wave.map((c) => c.opened().catch(() => {})));
    await waitFor('every socket answered', () =>
      wave.every((c) => c.closeCode !== null || c.frames.length > 0),
    );
    refused = sockets.filter((c) => c.closeCode === CloseCode.RATE_LIMITED);
  }
  for (const c of sockets) c.close();
  return refused;
}

describe('[P22] limits: the offender is closed with a clear code, others on the node are unaffected', () => {
  it('[P22] connection attempts per address: the excess gets 4529 with retry-after', async () => {
    const docId = await docOn(n1(), 'doc-flood');
    const [refused] = await flood(docId, nextAddress(), 200);
    expect(refused?.frame('notice')?.reason).toMatch(/too many connection attempts/);
    expect(refused?.frame('notice')?.retryAfterMs).toBeGreaterThan(0);
    await bystanderWorks(n1());
  });

  it('[P22] messages over the rate wait (paced), the socket stays open and every one is answered', async () => {
    const docId = await docOn(n1(), 'doc-paced');
    const paced = await synced(n1(), docId);
    const before = paced.frames.length;
    // 150 = the burst (100) plus 50 held and handled at 50/s
    for (let i = 0; i < 150; i++) paced.sendRaw(bigStep1(6));
    await waitFor(
      'every SyncStep1 answered',
      () => paced.frames.slice(before).filter((f) => f.type === 'sync-step2').length >= 150,
    );
    expect(paced.closeCode).toBeNull();
    paced.type('paced and saved');
    await paced.waitAcked();
    expect(paced.closeCode).toBeNull();
  });

  it('[P22] messages per second per connection: more than one burst held closes with 4529', async () => {
    const docId = await docOn(n1(), 'doc-chatty');
    const chatty = await synced(n1(), docId);
    for (let i = 0; i < 300; i++) chatty.sendRaw(encodeQueryAwareness());
    expect((await chatty.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
    expect(chatty.frame('notice')?.reason).toMatch(/too many messages/);
    await bystanderWorks(n1());
  });

  it('[P22] bytes per second per connection', async () => {
    const docId = await docOn(n1(), 'doc-bulky');
    const bulky = await synced(n1(), docId);
    for (let i = 0; i < 4; i++) bulky.sendRaw(bigStep1(60_000));
    expect((await bulky.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
    expect(bulky.frame('notice')?.reason).toMatch(/too many bytes on this connection/);
    await bystanderWorks(n1());
  });

  it('[P22] inbound bytes per second per document: the excess waits, no sender is closed', async () => {
    const docId = await docOn(n1(), 'doc-busy');
    const senders = [
      await synced(n1(), docId),
      await synced(n1(), docId),
      await synced(n1(), docId),
    ];
    const before = senders.map((s) => s.frames.length);
    // 240 KB against a 200 KB document burst: the third frame waits for the document's rate
    for (const s of senders) s.sendRaw(bigStep1(80_000));
    await waitFor('every sender answered', () =>
      senders.every(
        (s, i) => s.frames.slice(before[i]).filter((f) => f.type === 'sync-step2').length >= 1,
      ),
    );
    expect(senders.map((s) => s.closeCode)).toEqual([null, null, null]);
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

/** A ticket signed by the web app's key for a link, whatever the document keeps of it. */
const signed = async (docId: string, linkId: string, perm: Permission = 'edit') =>
  (await signer.sign({ docId, perm, linkId })).ticket;

/** Opens a socket with `ticket` and resolves with its close code (or 'open' once synced). */
async function outcome(node: NodeProcess, docId: string, ticket: string): Promise<number | 'open'> {
  const c = client(node, docId, { ticket });
  await c.opened();
  await waitFor('synced or closed', () => c.synced || c.closeCode !== null);
  const result = c.closeCode ?? 'open';
  c.close();
  return result;
}

describe('[P21] only tickets of live links', () => {
  it('[P21] a ticket whose link was never created, was revoked, or was deleted through the web app is refused, also by a node restarted after the revocation and by a node that does not own the document', async () => {
    const docId = await docOn(n1(), 'doc-links');
    await putLink('link-live-0001', docId, 'edit');
    await putLink('link-revo-0001', docId, 'edit');
    await putLink('link-dele-0001', docId, 'edit');
    expect(await outcome(n1(), docId, await signed(docId, 'link-live-0001'))).toBe('open');
    expect(await outcome(n1(), docId, await signed(docId, 'link-revo-0001'))).toBe('open');
    await putLink('link-revo-0001', docId, 'edit', true);
    // `DELETE /api/docs/<id>/links/<linkId>` runs the web app's `revokeLink`.
    const web = createAccessControl({ nodes: meta.nodes, signer: null });
    expect((await web.revokeLink(docId, 'link-dele-0001'))?.revoked).toBe(true);
    // The web app's old unrevocable seeding link, and a view link used for an edit ticket.
    await putLink('link-view-0001', docId, 'view');
    const refused = async (node = n1()) => ({
      never: await outcome(node, docId, await signed(docId, 'link-none-0001')),
      webSeed: await outcome(node, docId, await signed(docId, 'web-seed')),
      revoked: await outcome(node, docId, await signed(docId, 'link-revo-0001')),
      deleted: await outcome(node, docId, await signed(docId, 'link-dele-0001')),
      viewAsEdit: await outcome(node, docId, await signed(docId, 'link-view-0001', 'edit')),
    });
    const all = {
      never: CloseCode.FORBIDDEN,
      webSeed: CloseCode.FORBIDDEN,
      revoked: CloseCode.FORBIDDEN,
      deleted: CloseCode.FORBIDDEN,
      viewAsEdit: CloseCode.FORBIDDEN,
    };
    await waitFor('the revocations reached n1', async () => {
      const seen = await refused();
      return seen.revoked === CloseCode.FORBIDDEN && seen.deleted === CloseCode.FORBIDDEN;
    });
    expect(await refused()).toEqual(all);
    // n2 does not own the document: it asks the owner (n1) for the link at admission.
    expect(await refused(n2())).toEqual(all);
    await n1().stop();
    await n1().start();
    await cluster.waitForRing(['n1', 'n2']);
    // The tombstones are part of the document's metadata, persisted with it on n1.
    expect(await refused()).toEqual(all);
    expect(await outcome(n1(), docId, await signed(docId, 'link-live-0001'))).toBe('open');
  });
});

describe('what nodes reveal', () => {
  it('/docs needs the cluster secret or the operator token (401 otherwise); no public endpoint names a document', async () => {
    const docId = await docOn(n1(), 'doc-private');
    const c = await synced(n1(), docId);
    c.type('private');
    await c.waitAcked();
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer not-the-operator-token' },
      { [SECRET_HEADER]: 'not-the-cluster-secret' },
    ]) {
      const response = await fetch(`${n1().httpUrl}/docs`, { headers });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain(docId);
      // The per-document metadata endpoints (K1–K5) likewise: nothing read, nothing written.
      for (const [method, path, body] of [
        ['GET', '/meta-index', undefined],
        ['POST', `/meta/${docId}`, JSON.stringify({ op: 'links' })],
        ['POST', `/meta/${docId}`, JSON.stringify({ op: 'ensure', args: { adopt: true } })],
        ['POST', '/revoke', JSON.stringify({ linkId: 'link-keepit' })],
      ] as const) {
        const meta = await fetch(`${n1().httpUrl}${path}`, { method, headers, body });
        expect(meta.status, `${method} ${path}`).toBe(401);
        expect(await meta.text()).not.toContain(docId);
      }
    }
    expect((await loaded(n1())).loaded).toContain(docId);
    const bySecret = await fetch(`${n1().httpUrl}/docs`, {
      headers: { [SECRET_HEADER]: DEVELOPMENT_CLUSTER_SECRET },
    });
    expect(bySecret.status).toBe(200);
    for (const path of ['/healthz', '/readyz', '/ring', '/metrics', '/route/other-doc-1']) {
      const response = await fetch(`${n1().httpUrl}${path}`, {
        headers: { origin: 'https://evil.example' },
      });
      expect(response.status).toBeLessThan(500);
      expect(await response.text()).not.toContain(docId);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('[P22] per-address limits and trusted proxies', () => {
  it('[P22] the limit hits one 127.0.0.x address while another is unaffected', async () => {
    const docId = await docOn(n1(), 'doc-addresses');
    expect((await flood(docId, nextAddress(), 200)).length).toBeGreaterThan(0);
    const other = await synced(n1(), docId, { localAddress: nextAddress() });
    expect(other.closeCode).toBeNull();
  });

  it("[P22] a trusted proxy's X-Forwarded-For names the client; an untrusted peer's is ignored", async () => {
    const docId = await docOn(n1(), 'doc-proxy');
    // Through the trusted proxy: one client exhausts its budget, another behind it does not.
    expect(
      (await flood(docId, PROXY, 200, () => ({ 'x-forwarded-for': '203.0.113.7' }))).length,
    ).toBeGreaterThan(0);
    const behind = await synced(n1(), docId, {
      localAddress: PROXY,
      headers: { 'x-forwarded-for': '203.0.113.8' },
    });
    expect(behind.closeCode).toBeNull();
    // From an untrusted peer, a different forged header per socket does not escape the limit.
    let n = 0;
    const forger = nextAddress();
    expect(
      (await flood(docId, forger, 200, () => ({ 'x-forwarded-for': `198.51.100.${n++}` }))).length,
    ).toBeGreaterThan(0);
  });
});

describe('[I1] the development cluster secret', () => {
  const start = (args: string[], env: Record<string, string> = {}) =>
    runRingdoc(
      [
        'node',
        '--id',
        'dev-secret',
        '--port',
        '4999',
        '--etcd',
        cluster.etcd.endpoint,
        '--data',
        path.join(cluster.root, 'dev-secret'),
        ...args,
      ],
      { RINGDOC_CLUSTER_SECRET: '', ...env },
      30_000,
    );

  it('[I1] a node refuses to start with the development secret and a non-loopback bind or public URL, or without any secret', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['--insecure-dev-secret', '--host', '0.0.0.0'],
        /development cluster secret.*binding 0\.0\.0\.0/,
      ],
      [
        ['--insecure-dev-secret', '--public-url', 'wss://docs.example.com'],
        /development cluster secret.*public URL docs\.example\.com/,
      ],
      [
        ['--insecure-dev-secret', '--internal-url', 'ws://10.0.0.5:4999'],
        /development cluster secret.*internal URL 10\.0\.0\.5/,
      ],
      [[], /without a cluster secret.*--insecure-dev-secret/],
    ];
    for (const [args, message] of cases) {
      const run = await start(args);
      expect({ args, code: run.code }).toEqual({ args, code: 1 });
      expect(run.stderr).toMatch(message);
      expect(run.stdout).not.toMatch(/listening/);
    }
    const both = await start(['--insecure-dev-secret'], {
      RINGDOC_CLUSTER_SECRET: 'a-real-secret-0123456789',
    });
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/not both/);
  });
});
