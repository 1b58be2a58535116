import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createRing } from '../../ring/core/ring.ts';
import { createTicketSigner, generateTicketKeys } from '../../server/auth/ticket.ts';
import { HistoryClient, type HistorySocket } from '../../server/history/client.ts';
import { plainText, readBlocks } from '../../server/history/content.ts';
import { appendBlocks, typeInto } from '../../server/history/testing/lexical-doc.ts';
import { versionDoc } from '../../server/history/versions.ts';
import { createSilentLogger } from '../../server/log.ts';
import { CloseCode, type Permission } from '../../server/protocol/index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { liveLink } from '../harness/links.ts';
import { waitFor } from '../harness/node-process.ts';
import { RawClient } from '../harness/raw-client.ts';
import { runRingdoc } from '../harness/run-ringdoc.ts';

/**
 * Version history (DESIGN W6) against a real cluster: etcd, `ringdoc node` processes with access
 * tickets required, the real CLI. History lives in the document's sub-room `<docId>/versions`.
 */
const keys = generateTicketKeys();
const VNODES = 1024;
let cluster: Cluster;
let keyDir: string;
let signer: Awaited<ReturnType<typeof createTicketSigner>>;
const open: Array<{ close(): void }> = [];

const mint = async (docId: string, perm: Permission) =>
  (
    await signer.sign({
      docId,
      perm,
      linkId: await liveLink(cluster, documentOf(docId), perm, createSilentLogger()),
    })
  ).ticket;
const documentOf = (docId: string) => docId.split('/')[0] as string;

/** A Lexical-shaped editor of `docId` on its current owner, with an edit ticket. */
async function editor(docId: string): Promise<RawClient> {
  const route = await cluster.ownerOf(docId);
  const client = new RawClient(route.url, docId, { ticket: await mint(docId, 'edit') });
  open.push(client);
  await client.opened();
  await client.waitSynced();
  return client;
}

/** A synced history client of `docId`, finding its owner through a running node. */
async function history(docId: string, perm: Permission = 'edit'): Promise<HistoryClient> {
  const client = new HistoryClient({
    docId,
    resolveUrl: async () => (await cluster.ownerOf(docId)).url,
    createSocket: (url) => new WebSocket(url) as unknown as HistorySocket,
    ticket: () => mint(docId, perm),
  });
  open.push(client);
  await client.ready();
  return client;
}

const textOf = (doc: Parameters<typeof readBlocks>[0]) => plainText(readBlocks(doc));

/** The versions a fresh client reads: names (or labels) and each version's text. */
async function versionsOn(docId: string) {
  const client = await history(docId, 'view');
  const records = client.versions();
  const out = records.map((r, i) => ({
    name: r.name || r.label,
    text: textOf(versionDoc(records, i)),
  }));
  client.close();
  return out;
}

function cli(args: string[]) {
  return runRingdoc(
    [...args, '--etcd', cluster.etcd.endpoint, '--prefix', cluster.prefix],
    {
      RINGDOC_STATE_FILE: path.join(keyDir, 'no-local-cluster.json'),
      RINGDOC_TICKET_PRIVATE_KEY: keys.privateKey,
    },
    30_000,
  );
}

/** A document id whose owner is `first` among `a` and `second` among `b` (pure ring, R1). */
function docMovingTo(first: string, a: string[], second: string, b: string[]): string {
  const ringA = createRing(a, { vnodes: VNODES });
  const ringB = createRing(b, { vnodes: VNODES });
  for (let i = 0; i < 100_000; i++) {
    const id = `hist-${randomBytes(5).toString('hex')}`;
    if (ringA.ownerOf(id) === first && ringB.ownerOf(id) === second) return id;
  }
  throw new Error('no such document id');
}

beforeAll(async () => {
  signer = await createTicketSigner({ privateKey: keys.privateKey });
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-history-'));
  const keyFile = path.join(keyDir, 'ticket-public.pem');
  await writeFile(keyFile, keys.publicKey);
  cluster = await startCluster({ nodes: 3, nodeArgs: ['--ticket-public-key', keyFile] });
}, 90_000);

afterAll(async () => {
  for (const c of open) c.close();
  await cluster?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
}, 60_000);

describe('version history on a real cluster (W6)', () => {
  it('[W6][P23] a view ticket can read the history but cannot restore or name a version (4403)', async () => {
    const docId = `hist-view-${randomBytes(4).toString('hex')}`;
    const writer = await editor(docId);
    appendBlocks(writer.doc, [['paragraph', 'original']]);
    await writer.waitAcked();
    const edit = await history(docId, 'edit');
    expect((await edit.request('cut', { name: 'first' })).ok).toBe(true);
    typeInto(writer.doc, 0, 8, ' changed');
    await writer.waitAcked();

    const viewer = await history(docId, 'view');
    expect(viewer.perm).toBe('view');
    await waitFor('the viewer sees the version', () => viewer.versions().length === 1);
    const refused = await viewer.request('restore', { version: '1' });
    expect(refused).toMatchObject({ ok: false, code: CloseCode.FORBIDDEN });
    expect(refused.reason).toMatch(/view link cannot restore/);
    expect((await viewer.request('cut', { name: 'sneaky' })).code).toBe(CloseCode.FORBIDDEN);
    expect(textOf(writer.doc)).toBe('original changed');
    expect(viewer.versions()).toHaveLength(1);
  });

  it('[W6] ringdoc history and ringdoc restore work against the running cluster', async () => {
    const docId = `hist-cli-${randomBytes(4).toString('hex')}`;
    const writer = await editor(docId);
    appendBlocks(writer.doc, [
      ['heading', 'Plan', { tag: 'h1' }],
      ['paragraph', 'first draft'],
    ]);
    await writer.waitAcked();
    const edit = await history(docId);
    expect((await edit.request('cut', { name: 'Before review' })).ok).toBe(true);
    typeInto(writer.doc, 1, 11, ' with review notes');
    await writer.waitAcked();

    const listed = await cli(['history', docId, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const body = JSON.parse(listed.stdout) as {
      versions: Array<{ number: number; name: string; kind: string }>;
    };
    expect(body.versions).toEqual([
      expect.objectContaining({ number: 1, name: 'Before review', kind: 'named' }),
    ]);

    const exported = await cli(['history', docId, '--export', '1', '--format', 'markdown']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe('# Plan\n\nfirst draft\n');

    const restored = await cli(['restore', docId, '1', '--by', 'ops']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/restored .* to version 1/);
    // The editor receives the restore live, as an ordinary update.
    await waitFor('the editor sees the old text', () => textOf(writer.doc) === 'Plan\nfirst draft');

    const table = await cli(['history', docId]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/Before review/);
    expect(table.stdout).toMatch(/before restoring “Before review”/);
    expect(table.stdout).toMatch(/restored “Before review”.*ops/);
    const versions = await versionsOn(docId);
    expect(versions[1]).toEqual({
      name: 'before restoring “Before review”',
      text: 'Plan\nfirst draft with review notes',
    });

    const missing = await cli(['restore', docId, '42']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/refused \(4400\): no version "42"/);
  });

  it('[W6][M4][M1][M2] versions survive kill -9 of the owner, a join and a drain', async () => {
    // Owned by n1 now; by n4 once n1 is gone and n4 has joined: every step moves it.
    const docId = docMovingTo('n1', ['n1', 'n2', 'n3'], 'n4', ['n2', 'n3', 'n4']);
    const writer = await editor(docId);
    appendBlocks(writer.doc, [['paragraph', 'one']]);
    await writer.waitAcked();
    const edit = await history(docId);
    expect((await edit.request('cut', { name: 'v-one' })).ok).toBe(true);
    typeInto(writer.doc, 0, 3, ' two');
    await writer.waitAcked();
    expect((await edit.request('cut', { name: 'v-two' })).ok).toBe(true);
    edit.close();
    writer.close();
    const expected = [
      { name: 'v-one', text: 'one' },
      { name: 'v-two', text: 'one two' },
    ];

    await cluster.node('n1').kill();
    await cluster.waitForRing(['n2', 'n3']);
    expect((await cluster.ownerOf(docId)).owner).not.toBe('n1');
    expect(await versionsOn(docId)).toEqual(expected);

    await cluster.addNode('n4');
    await cluster.waitForRing(['n2', 'n3', 'n4']);
    expect((await cluster.ownerOf(docId)).owner).toBe('n4');
    expect(await versionsOn(docId)).toEqual(expected);

    const etcd = new Etcd3({ hosts: [cluster.etcd.endpoint] });
    try {
      await etcd
        .put(`${cluster.prefix}control/n4/drain`)
        .value(JSON.stringify({ requestedAt: Date.now() }));
      expect(await cluster.node('n4').exited(60_000)).toBe(0);
    } finally {
      etcd.close();
    }
    await cluster.waitForRing(['n2', 'n3']);
    expect(await versionsOn(docId)).toEqual(expected);
    // And the history keeps working on the new owner.
    const after = await history(docId);
    expect((await after.request('cut', { name: 'v-three' })).ok).toBe(true);
    expect((await versionsOn(docId)).map((v) => v.name)).toEqual(['v-one', 'v-two', 'v-three']);
  });
});
