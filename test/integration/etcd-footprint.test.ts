import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, createKeyspace } from '../../ring/index.ts';
import { generateTicketKeys } from '../../server/auth/ticket.ts';
import { createSilentLogger } from '../../server/log.ts';
import * as ensureRoute from '../../web/app/api/docs/[docId]/ensure/route.ts';
import * as linkRoute from '../../web/app/api/docs/[docId]/links/[linkId]/route.ts';
import * as linksRoute from '../../web/app/api/docs/[docId]/links/route.ts';
import * as ticketRoute from '../../web/app/api/docs/[docId]/ticket/route.ts';
import * as docsRoute from '../../web/app/api/docs/route.ts';
import { createWebBackend, type WebBackend } from '../../web/lib/server/backend.ts';
import { readWebConfig } from '../../web/lib/server/config.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { RawClient } from '../harness/raw-client.ts';

/**
 * DESIGN R7: documents cost etcd nothing — neither their content nor their index entry, links,
 * revocations or seeding. With access control on (as `npm start` runs), DOCS documents are
 * created through the web app's own API route handlers (index entry, seeded content, owner
 * link), each gets an edit link (every tenth is revoked), and a stock-protocol client writes
 * through a ticket of that link. Then a node joins and one drains. etcd under the prefix holds
 * the same keys and bytes as before the first document (only the member records differ, one
 * per running node), no write reached etcd while the documents were written (same revision),
 * and afterwards every document is still listed, its links still resolve and its revoked links
 * stay revoked: that data moved with the documents.
 */
const DOCS = Number(process.env.FOOTPRINT_DOCS) || 1000;
const BACKEND_KEY = Symbol.for('ringdoc.web.backend');
const keys = generateTicketKeys();
let cluster: Cluster;
let backend: WebBackend;
let keyDir: string;

interface EtcdFootprint {
  readonly keys: string[];
  /** Bytes of keys and values under the prefix, member records excluded. */
  readonly bytes: number;
  readonly memberBytes: number;
  readonly revision: string;
}

const footprint = async (c: Cluster): Promise<EtcdFootprint> => {
  const client = createEtcdClient({ endpoints: [c.etcd.endpoint], log: createSilentLogger() });
  try {
    const response = await client.getAll().prefix(c.prefix).exec();
    let bytes = 0;
    let memberBytes = 0;
    for (const kv of response.kvs) {
      const size = kv.key.length + kv.value.length;
      if (kv.key.toString().includes('/members/')) memberBytes += size;
      else bytes += size;
    }
    return {
      keys: response.kvs.map((kv) => kv.key.toString()).sort(),
      bytes,
      memberBytes,
      revision: response.header.revision,
    };
  } finally {
    client.close();
  }
};

let address = 0;
/** Every document is created by another person (its own client address, like a real crowd). */
const request = (body: unknown, headers: Record<string, string> = {}, method = 'POST') =>
  new Request('http://web.test/api', {
    method,
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address++ & 255}`,
      ...headers,
    },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
const params = <T>(value: T) => ({ params: Promise.resolve(value) });

async function answer<T>(response: Response, status: number): Promise<T> {
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

interface Written {
  readonly id: string;
  readonly owner: string;
  readonly edit: string;
  readonly revoked: boolean;
}

/** Creates a document through the web API, shares it, writes through a stock client. */
async function writeDocument(i: number): Promise<Written> {
  const created = await answer<{ doc: { id: string }; access: { token: string } }>(
    await docsRoute.POST(request({ title: `Document ${i}` })),
    201,
  );
  const id = created.doc.id;
  const owner = created.access.token;
  const shared = await answer<{ link: { id: string }; token: string }>(
    await linksRoute.POST(
      request({ perm: 'edit' }, { authorization: `Bearer ${owner}` }),
      params({ docId: id }),
    ),
    201,
  );
  for (let attempt = 1; ; attempt++) {
    const { ticket } = await answer<{ ticket: string }>(
      await ticketRoute.POST(request({ access: shared.token }), params({ docId: id })),
      200,
    );
    const { url } = await cluster.ownerOf(id);
    const client = new RawClient(url, id, { ticket });
    try {
      await client.opened();
      await client.waitSynced();
      client.type(`written by a stock client ${i}`);
      await client.waitAcked();
      break;
    } catch (error) {
      // A node may answer "retry" (4503) on a loaded machine: retry like a client would.
      if (attempt >= 5 || client.closeCode !== 4503) throw error;
    } finally {
      client.close();
    }
  }
  const revoked = i % 10 === 0;
  if (revoked) {
    await answer(
      await linkRoute.DELETE(
        request(undefined, { authorization: `Bearer ${owner}` }, 'DELETE'),
        params({ docId: id, linkId: shared.link.id }),
      ),
      200,
    );
  }
  return { id, owner, edit: shared.token, revoked };
}

beforeAll(async () => {
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-footprint-'));
  const keyFile = path.join(keyDir, 'ticket-public.pem');
  await writeFile(keyFile, keys.publicKey);
  cluster = await startCluster({
    nodes: 3,
    leaseTtl: 5,
    nodeArgs: ['--ticket-public-key', keyFile],
  });
  await cluster.waitForRing(['n1', 'n2', 'n3']);
  backend = createWebBackend(
    readWebConfig({
      RINGDOC_ETCD: cluster.etcd.endpoint,
      RINGDOC_PREFIX: cluster.prefix,
      RINGDOC_TICKET_PRIVATE_KEY: keys.privateKey,
    }),
    { log: createSilentLogger() },
  );
  (globalThis as Record<symbol, unknown>)[BACKEND_KEY] = backend;
}, 120_000);

afterAll(async () => {
  delete (globalThis as Record<symbol, unknown>)[BACKEND_KEY];
  await backend?.close();
  await cluster?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
}, 60_000);

describe('etcd footprint', () => {
  it(`[R7] ${DOCS} documents created, shared, revoked and written through the web API and stock clients, then a join and a drain: etcd holds the same keys and bytes as before the first document`, async () => {
    // The web app's own watch is up before the baseline (it writes nothing either).
    await backend.view();
    const before = await footprint(cluster);
    const written: Written[] = [];
    const batch = 25;
    for (let start = 0; start < DOCS; start += batch) {
      const count = Math.min(batch, DOCS - start);
      written.push(
        ...(await Promise.all(Array.from({ length: count }, (_, k) => writeDocument(start + k)))),
      );
    }
    const afterDocs = await footprint(cluster);
    console.log(
      `[R7] before: ${before.keys.length} keys, ${before.bytes} B (+ ${before.memberBytes} B members), ` +
        `revision ${before.revision}; after ${DOCS} documents: ${afterDocs.keys.length} keys, ` +
        `${afterDocs.bytes} B (+ ${afterDocs.memberBytes} B members), revision ${afterDocs.revision}`,
    );
    expect(afterDocs.keys).toEqual(before.keys);
    expect(afterDocs.bytes).toBe(before.bytes);
    expect(afterDocs.memberBytes).toBe(before.memberBytes);
    // Not one write reached etcd while the documents were created, shared and written.
    expect(afterDocs.revision).toBe(before.revision);

    await cluster.addNode('n4');
    // The joiner pre-warms its share of the documents before it turns active (M1).
    const settleMs = Math.max(15_000, DOCS * 30);
    await cluster.waitForRing(['n1', 'n2', 'n3', 'n4'], settleMs);
    const etcd = createEtcdClient({
      endpoints: [cluster.etcd.endpoint],
      log: createSilentLogger(),
    });
    try {
      await etcd.put(createKeyspace(cluster.prefix).drainRequestKey('n2')).value('{}');
    } finally {
      etcd.close();
    }
    expect(await cluster.node('n2').exited(Math.max(120_000, DOCS * 60))).toBe(0);
    await cluster.waitForRing(['n1', 'n3', 'n4'], settleMs);
    const after = await footprint(cluster);
    console.log(
      `[R7] after a join (n4) and a drain (n2): ${after.keys.length} keys, ${after.bytes} B ` +
        `(+ ${after.memberBytes} B members)`,
    );
    const members = (list: string[]) => list.filter((k) => k.includes('/members/')).length;
    // Same shape as before: one member key per running node (n2 left, n4 joined), nothing else.
    expect(members(after.keys)).toBe(members(before.keys));
    expect(after.keys.filter((k) => !k.includes('/members/'))).toEqual(
      before.keys.filter((k) => !k.includes('/members/')),
    );
    expect(after.bytes).toBe(before.bytes);

    // The per-document data moved with the documents: listed, links live or still revoked.
    const listed = new Set((await backend.index.list()).map((d) => d.id));
    expect(written.filter((w) => !listed.has(w.id)).map((w) => w.id)).toEqual([]);
    for (const w of written.filter((_, i) => i % 50 === 0 || i % 50 === 1)) {
      const response = await ensureRoute.POST(
        request({ access: w.owner, create: false }),
        params({ docId: w.id }),
      );
      expect((await answer<{ access: { perm: string } }>(response, 200)).access.perm).toBe('owner');
      const ticket = await ticketRoute.POST(request({ access: w.edit }), params({ docId: w.id }));
      expect(ticket.status, w.id).toBe(w.revoked ? 403 : 200);
    }
  }, 900_000);
});
