import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../e2e/support/web-server.ts';
import { createTicketSigner, generateTicketKeys } from '../../server/auth/ticket.ts';
import { CloseCode } from '../../server/protocol/index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { waitFor } from '../harness/node-process.ts';
import { createPortAllocator } from '../harness/ports.ts';
import { RawClient } from '../harness/raw-client.ts';

/**
 * The web app with access control on, against a real node and etcd (SECURITY.md): what it
 * shows to whom, its headers, its seeding link and its rate limits. Needs `web/.next`
 * (`npx next build web`).
 */
const keys = generateTicketKeys();
const OPERATOR_TOKEN = 'web-ops-operator-token-0123456789';
let cluster: Cluster;
let web: WebServer;
let keyDir: string;

beforeAll(async () => {
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-web-ops-'));
  const keyFile = path.join(keyDir, 'ticket-public.pem');
  await writeFile(keyFile, keys.publicKey);
  cluster = await startCluster({
    nodes: 1,
    leaseTtl: 5,
    nodeArgs: ['--ticket-public-key', keyFile],
    nodeEnv: { RINGDOC_OPERATOR_TOKEN: OPERATOR_TOKEN },
  });
  web = await startWebServer({
    port: await createPortAllocator()(),
    etcd: cluster.etcd.endpoint,
    prefix: cluster.prefix,
    env: { RINGDOC_TICKET_PRIVATE_KEY: keys.privateKey, RINGDOC_OPERATOR_TOKEN: OPERATOR_TOKEN },
  });
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await cluster?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
}, 60_000);

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function createDocument(): Promise<{ id: string; ownerToken: string }> {
  const response = await post(`${web.url}/api/docs`, { title: 'Private plans' });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { doc: { id: string }; access: { token: string } };
  return { id: body.doc.id, ownerToken: body.access.token };
}

describe('the ops page and the ring API', () => {
  it('/ops, /api/ring and /api/ring/stream answer 401 without the operator token, and no public answer names a document', async () => {
    const { id } = await createDocument();
    await waitFor('the node lists the document', async () => {
      const docs = await fetch(`${cluster.nodes[0]!.httpUrl}/docs`, {
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      });
      return (await docs.text()).includes(id);
    });
    for (const p of ['/ops', '/api/ring', '/api/ring/stream', '/api/ops/rollout']) {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Bearer wrong-token-0123456789' },
        { cookie: 'ringdoc_ops=wrong-token-0123456789' },
      ]) {
        const response = await fetch(`${web.url}${p}`, { headers });
        expect({ p, status: response.status }).toEqual({ p, status: 401 });
        expect(await response.text()).not.toContain(id);
      }
    }
    for (const p of ['/', '/api/docs', '/api/route/someone-elses-doc', '/d/someone-elses-doc']) {
      const response = await fetch(`${web.url}${p}`);
      expect(response.status).toBeLessThan(500);
      expect(await response.text()).not.toContain(id);
    }
    const ring = await fetch(`${web.url}/api/ring`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(ring.status).toBe(200);
    // Without a web gateway (this web app runs alone) the web rollout panel says so.
    const rollout = await fetch(`${web.url}/api/ops/rollout`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(rollout.status).toBe(200);
    expect(await rollout.json()).toMatchObject({ routing: null, rollout: null, nodes: 1 });
    // The sign-in sets a cookie that opens the page and the stream (EventSource sends it).
    const wrong = await fetch(`${web.url}/api/ops/session`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'nope' }),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    const signIn = await fetch(`${web.url}/api/ops/session`, {
      method: 'POST',
      body: new URLSearchParams({ token: OPERATOR_TOKEN }),
      redirect: 'manual',
    });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(signIn.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect((await fetch(`${web.url}/ops`, { headers: { cookie } })).status).toBe(200);
    const stream = new AbortController();
    const events = await fetch(`${web.url}/api/ring/stream`, {
      headers: { cookie },
      signal: stream.signal,
    });
    expect(events.status).toBe(200);
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes(id)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    stream.abort();
    expect(text).toContain(id);
  });

  it('security headers: CSP without unsafe-eval and with frame-ancestors none, no referrer, nosniff', async () => {
    for (const p of ['/', '/api/docs', '/ops']) {
      const response = await fetch(`${web.url}${p}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('no unrevocable tickets', () => {
  it("a new document's only link is its owner link (the owner node seeds it, no ticket needed): tickets of any other link are refused", async () => {
    const { id, ownerToken } = await createDocument();
    const links = (await (
      await fetch(`${web.url}/api/docs/${id}/links`, {
        headers: { authorization: `Bearer ${ownerToken}` },
      })
    ).json()) as { links: Array<{ id: string; perm: string; revoked: boolean }> };
    expect(links.links.map((l) => [l.perm, l.revoked])).toEqual([['owner', false]]);
    const signer = await createTicketSigner({ privateKey: keys.privateKey });
    for (const linkId of ['web-seed', 'made-up-link-01']) {
      const ticket = (await signer.sign({ docId: id, perm: 'edit', linkId })).ticket;
      const c = new RawClient(cluster.nodes[0]!.url, id, { ticket });
      await c.opened();
      expect((await c.waitClosed()).code).toBe(CloseCode.FORBIDDEN);
    }
  });
});

describe('rate limits', () => {
  it('[P22] ticket requests past the per-link burst get 429 with retry-after; another link is unaffected', async () => {
    const { id, ownerToken } = await createDocument();
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      const response = await post(`${web.url}/api/docs/${id}/ticket`, { access: ownerToken });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        break;
      }
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(60);
    const other = await createDocument();
    const fine = await post(`${web.url}/api/docs/${other.id}/ticket`, {
      access: other.ownerToken,
    });
    expect(fine.status).toBe(200);
  });

  it('[18] POST …/ensure past the per-address burst gets 429 with retry-after', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 80; i++) {
      const response = await post(`${web.url}/api/docs/ensure-flood-${i}/ensure`, {
        create: false,
      });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        break;
      }
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 404).length).toBeGreaterThanOrEqual(50);
  });
});
