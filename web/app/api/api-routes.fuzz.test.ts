import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { propertySeed } from '../../../ring/testing/index.ts';
import type { LinkPermission, LinkRecord } from '../../../server/auth/index.ts';
import { isPageDocId } from '../../lib/doc-ids.ts';
import { type AccessControl, parseAccessToken } from '../../lib/server/access.ts';
import type { WebBackend } from '../../lib/server/backend.ts';
import type { DocIndex } from '../../lib/server/doc-index.ts';
import { type DocRecord, normalizeTitle } from '../../lib/server/doc-record.ts';
import { createRateLimiter } from '../../lib/server/rate-limit.ts';
import * as ensure from './docs/[docId]/ensure/route.ts';
import * as linkOne from './docs/[docId]/links/[linkId]/route.ts';
import * as links from './docs/[docId]/links/route.ts';
import * as docs from './docs/[docId]/route.ts';
import * as ticket from './docs/[docId]/ticket/route.ts';
import * as docList from './docs/route.ts';
import * as opsSession from './ops/session/route.ts';
import * as ring from './ring/route.ts';
import * as ringStream from './ring/stream/route.ts';
import * as route from './route/[docId]/route.ts';

/**
 * The web app's API routes, fuzzed like the node's frames (SECURITY.md): the real route
 * handlers, called directly with random, mutated and hostile requests, over an in-memory
 * backend. Properties: no answer is a 5xx, nothing throws, and a request that is malformed
 * (bad id, body that is not a JSON object, a field of the wrong type) or not authorised
 * changes no document and no link. `FUZZ_RUNS` raises the count (default 10,000 with access
 * control on, 2,000 off); `FC_SEED` replays a failure.
 */
const SEED = propertySeed();
const RUNS = Number(process.env.FUZZ_RUNS) || 10_000;
const BACKEND_KEY = Symbol.for('ringdoc.web.backend');
const OPERATOR = 'fuzz-operator-token-0123456789';
const EXISTING = 'doc-existing';

/** An in-memory backend with the real rate limiter; `state()` is everything a request may change. */
function memoryBackend(enabled: boolean) {
  let clock = 1_000;
  const records = new Map<string, DocRecord>();
  const linkStore = new Map<string, LinkRecord & { secret: string }>();
  let counter = 0;
  const ownerSecrets = new Map<string, string>();
  const index: DocIndex = {
    list: async () => [...records.values()],
    get: async (id) => records.get(id) ?? null,
    async ensure(id, request) {
      const found = records.get(id);
      if (found) return { record: found, created: false };
      if (request.create === false) return null;
      const record: DocRecord = {
        id,
        title: normalizeTitle(request.title),
        created: clock,
        updated: clock,
        edited: clock,
        seeded: true,
        deletedAt: null,
      };
      records.set(id, record);
      if (request.ownerLink) {
        const secret = ownerSecrets.get(request.ownerLink.id) ?? '';
        linkStore.set(request.ownerLink.id, {
          id: request.ownerLink.id,
          doc: id,
          perm: 'owner',
          created: clock,
          secretHash: request.ownerLink.secretHash,
          revoked: false,
          revokedAt: null,
          secret,
        });
      }
      return { record, created: true };
    },
    async rename(id, title) {
      const found = records.get(id);
      if (!found) return null;
      const next = { ...found, title: normalizeTitle(title), updated: ++clock };
      records.set(id, next);
      return next;
    },
    async touch(id) {
      const found = records.get(id);
      if (!found) return null;
      const next = { ...found, edited: ++clock };
      records.set(id, next);
      return next;
    },
    async remove(id) {
      const found = records.get(id);
      if (!found) return null;
      const next = { ...found, deletedAt: ++clock };
      records.set(id, next);
      return next;
    },
  };
  const access: AccessControl = {
    enabled,
    newOwnerLink() {
      counter++;
      const id = `link${String(counter).padStart(8, '0')}`;
      const secret = `secret${String(counter).padStart(20, '0')}`;
      ownerSecrets.set(id, secret);
      return { id, secretHash: secret, token: `${id}.${secret}` };
    },
    async createLink(docId, perm: LinkPermission) {
      counter++;
      const id = `link${String(counter).padStart(8, '0')}`;
      const secret = `secret${String(counter).padStart(20, '0')}`;
      const link = {
        id,
        doc: docId,
        perm,
        created: ++clock,
        secretHash: secret,
        revoked: false,
        revokedAt: null,
        secret,
      };
      linkStore.set(id, link);
      return { link, token: `${id}.${secret}` };
    },
    listLinks: async (docId) => [...linkStore.values()].filter((l) => l.doc === docId),
    async revokeLink(docId, linkId) {
      const link = linkStore.get(linkId);
      if (!link || link.doc !== docId) return null;
      if (!link.revoked) linkStore.set(linkId, { ...link, revoked: true, revokedAt: ++clock });
      return linkStore.get(linkId) ?? null;
    },
    async resolve(docId, token) {
      const parsed = parseAccessToken(token);
      const link = parsed ? linkStore.get(parsed.linkId) : undefined;
      if (!parsed || !link || link.revoked || link.doc !== docId) return null;
      return link.secret === parsed.secret ? link : null;
    },
    async ticket(link) {
      return {
        ticket: `ticket-for-${link.id}`,
        perm: link.perm === 'view' ? 'view' : 'edit',
        expiresAt: clock,
      };
    },
  };
  const backend = {
    config: {
      etcdEndpoints: [],
      prefix: '/fuzz/',
      build: '0.1.0',
      ticketPrivateKey: null,
      ticketTtlSeconds: 300,
      operatorToken: OPERATOR,
      clusterSecret: 'fuzz-cluster-secret-0123456789',
    },
    index,
    nodes: {
      call: async () => ({ status: 503, body: {} }),
      listAll: async () => [],
      announceRevocation: async () => {},
    },
    access,
    limits: createRateLimiter({ now: () => clock }),
    view: async () => null,
    membership: {} as WebBackend['membership'],
    route: async () => ({ owner: 'n1', url: 'ws://127.0.0.1:1', epoch: 1, members: [] }),
    etcd: {} as WebBackend['etcd'],
    close: async () => {},
  } satisfies WebBackend;
  return {
    backend,
    /** Lets time pass so the rate limits refill between cases. */
    tick: () => {
      clock += 60_000;
    },
    state: () =>
      JSON.stringify({
        docs: [...records.entries()].sort(),
        links: [...linkStore.entries()].sort(),
      }),
  };
}

type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => unknown;

interface RouteSpec {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: (p: { docId: string; linkId: string }) => string;
  readonly handler: Handler;
  readonly hasBody: boolean;
  /** Fields with a type the route requires, when present. */
  readonly stringFields: readonly string[];
}

const h = (fn: unknown) => fn as Handler;
const ROUTES: readonly RouteSpec[] = [
  {
    name: 'list',
    method: 'GET',
    path: () => '/api/docs',
    handler: h(docList.GET),
    hasBody: false,
    stringFields: [],
  },
  {
    name: 'create',
    method: 'POST',
    path: () => '/api/docs',
    handler: h(docList.POST),
    hasBody: true,
    stringFields: ['title'],
  },
  {
    name: 'get',
    method: 'GET',
    path: (p) => `/api/docs/${p.docId}`,
    handler: h(docs.GET),
    hasBody: false,
    stringFields: [],
  },
  {
    name: 'rename',
    method: 'PATCH',
    path: (p) => `/api/docs/${p.docId}`,
    handler: h(docs.PATCH),
    hasBody: true,
    stringFields: ['title'],
  },
  {
    name: 'ensure',
    method: 'POST',
    path: (p) => `/api/docs/${p.docId}/ensure`,
    handler: h(ensure.POST),
    hasBody: true,
    stringFields: ['title', 'access'],
  },
  {
    name: 'links',
    method: 'GET',
    path: (p) => `/api/docs/${p.docId}/links`,
    handler: h(links.GET),
    hasBody: false,
    stringFields: [],
  },
  {
    name: 'link-create',
    method: 'POST',
    path: (p) => `/api/docs/${p.docId}/links`,
    handler: h(links.POST),
    hasBody: true,
    stringFields: [],
  },
  {
    name: 'link-revoke',
    method: 'DELETE',
    path: (p) => `/api/docs/${p.docId}/links/${p.linkId}`,
    handler: h(linkOne.DELETE),
    hasBody: false,
    stringFields: [],
  },
  {
    name: 'ticket',
    method: 'POST',
    path: (p) => `/api/docs/${p.docId}/ticket`,
    handler: h(ticket.POST),
    hasBody: true,
    stringFields: ['access'],
  },
  {
    name: 'route',
    method: 'GET',
    path: (p) => `/api/route/${p.docId}`,
    handler: h(route.GET),
    hasBody: false,
    stringFields: [],
  },
  {
    name: 'ring',
    method: 'GET',
    path: () => '/api/ring',
    handler: h(ring.GET),
    hasBody: false,
    stringFields: [],
  },
  {
    name: 'ring-stream',
    method: 'GET',
    path: () => '/api/ring/stream',
    handler: h(ringStream.GET),
    hasBody: false,
    stringFields: [],
  },
  {
    name: 'ops-sign-in',
    method: 'POST',
    path: () => '/api/ops/session',
    handler: h(opsSession.POST),
    hasBody: true,
    stringFields: ['token'],
  },
];

/** Text with awkward code points: quotes, NUL, lone surrogates, slashes, dots. */
const nasty = (maxLength: number) =>
  fc.string({
    maxLength,
    unit: fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('\uD800', '"', '\\', '\u0000', '/', '..', '%2F', '%'),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    ),
  });

const anyJson = fc.jsonValue({ maxDepth: 3 });

interface Case {
  readonly route: RouteSpec;
  readonly docId: string;
  readonly linkId: string;
  readonly body:
    | { kind: 'none' }
    | { kind: 'object'; value: Record<string, unknown> }
    | { kind: 'raw'; text: string };
  readonly token: string | null;
  readonly cookie: string | null;
  readonly forwardedFor: string | null;
}

function arbitraries(tokens: () => readonly string[]) {
  const docId = fc.oneof(
    { weight: 3, arbitrary: fc.constant(EXISTING) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/) },
    { weight: 2, arbitrary: nasty(80) },
    { weight: 1, arbitrary: fc.constantFrom('', '.', '..', 'a/b', 'a'.repeat(300), '%2e%2e') },
  );
  const token = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .integer({ min: 0, max: 7 })
        .map((i) => tokens()[i % Math.max(1, tokens().length)] ?? ''),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: 7 }), fc.nat(200), nasty(3))
        .map(([i, at, insert]) => {
          const t = tokens()[i % Math.max(1, tokens().length)] ?? '';
          return t.slice(0, at % (t.length + 1)) + insert + t.slice((at % (t.length + 1)) + 1);
        }),
    },
    { weight: 1, arbitrary: nasty(200) },
  );
  const field = fc.oneof(token, anyJson, nasty(300));
  const object = fc.record(
    {
      title: field,
      access: field,
      perm: fc.oneof(fc.constantFrom('edit', 'view', 'owner', 'EDIT', ''), anyJson),
      token: fc.oneof(fc.constant(OPERATOR), field),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 5, arbitrary: object.map((value) => ({ kind: 'object' as const, value })) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          anyJson.map((v) => JSON.stringify(v)),
          nasty(200),
          fc.constantFrom(
            '{',
            '[]',
            'null',
            '"x"',
            '{"title":',
            '\u0000',
            `{"title":"${'x'.repeat(70_000)}"}`,
          ),
        )
        .map((text) => ({ kind: 'raw' as const, text })),
    },
  );
  return fc.record({
    route: fc.constantFrom(...ROUTES),
    docId,
    linkId: fc.oneof(
      token.map((t) => t.split('.')[0] ?? ''),
      nasty(70),
    ),
    body,
    token: fc.option(token, { nil: null }),
    cookie: fc.option(fc.oneof(fc.constant(`ringdoc_ops=${OPERATOR}x`), nasty(100)), { nil: null }),
    forwardedFor: fc.option(nasty(60), { nil: null }),
  }) as fc.Arbitrary<Case>;
}

/** True when the request is malformed: a bad id, a body that is not a JSON object, a field of the wrong type. */
function malformed(c: Case): boolean {
  const usesDocId = c.route.path({ docId: 'X', linkId: 'Y' }).includes('X');
  if (usesDocId && !isPageDocId(c.docId)) return true;
  if (!c.route.hasBody) return false;
  if (c.body.kind === 'none') return false;
  let value: unknown;
  if (c.body.kind === 'raw') {
    if (c.body.text.trim() === '') return false;
    if (c.body.text.length > 64 * 1024) return true;
    try {
      value = JSON.parse(c.body.text);
    } catch {
      return true;
    }
  } else {
    value = c.body.value;
    if (JSON.stringify(value).length > 64 * 1024) return true;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return true;
  const record = value as Record<string, unknown>;
  return c.route.stringFields.some(
    (f) => record[f] !== undefined && record[f] !== null && typeof record[f] !== 'string',
  );
}

/** `text` without surrogates (a URL cannot carry lone ones; the handler still gets the raw id). */
const wellFormed = (text: string) => text.replace(/[\uD800-\uDFFF]/g, '?');

async function send(c: Case): Promise<Response> {
  const url = `http://web.test${c.route.path({ docId: encodeURIComponent(wellFormed(c.docId)), linkId: encodeURIComponent(wellFormed(c.linkId)) })}`;
  const headers = new Headers();
  const safe = (v: string) => v.replace(/[^\x20-\x7e]/g, '');
  if (c.token !== null) headers.set('authorization', `Bearer ${safe(c.token)}`);
  if (c.cookie !== null) headers.set('cookie', safe(c.cookie));
  if (c.forwardedFor !== null) headers.set('x-forwarded-for', safe(c.forwardedFor));
  let body: string | undefined;
  if (c.route.hasBody && c.body.kind !== 'none') {
    body = c.body.kind === 'raw' ? c.body.text : JSON.stringify(c.body.value);
    headers.set('content-type', 'application/json');
  }
  const request = new Request(url, {
    method: c.route.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const params = Promise.resolve({ docId: c.docId, linkId: c.linkId });
  const response = (await c.route.handler(request, { params })) as Response;
  if (c.route.name === 'ring-stream' && response.status === 200) await response.body?.cancel();
  else await response.text();
  return response;
}

afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[BACKEND_KEY];
});

async function fuzz(enabled: boolean, numRuns: number) {
  const memory = memoryBackend(enabled);
  (globalThis as Record<symbol, unknown>)[BACKEND_KEY] = memory.backend;
  const tokens: string[] = [];
  await memory.backend.index.ensure(EXISTING, { title: 'Existing', content: new Uint8Array() });
  for (const perm of ['owner', 'edit', 'view', 'edit'] as const) {
    tokens.push((await memory.backend.access.createLink(EXISTING, perm)).token);
  }
  const revoked = parseAccessToken(tokens[3]!)!.linkId;
  await memory.backend.access.revokeLink(EXISTING, revoked);
  await fc.assert(
    fc.asyncProperty(
      arbitraries(() => tokens),
      async (c) => {
        memory.tick();
        const before = memory.state();
        const response = await send(c);
        expect(response.status, `${c.route.name}: ${response.status}`).toBeLessThan(500);
        if (malformed(c)) {
          expect(response.status, `${c.route.name} malformed`).toBeGreaterThanOrEqual(400);
          expect(memory.state(), `${c.route.name} changed state`).toBe(before);
        }
        const link = c.token ? await memory.backend.access.resolve(c.docId, c.token) : null;
        const authorised =
          !enabled ||
          (link !== null &&
            (c.route.name === 'rename' ? link.perm !== 'view' : link.perm === 'owner'));
        if (['rename', 'link-create', 'link-revoke'].includes(c.route.name) && !authorised) {
          expect(memory.state(), `${c.route.name} without the right link changed state`).toBe(
            before,
          );
        }
        if (
          [
            'list',
            'get',
            'links',
            'ticket',
            'route',
            'ring',
            'ring-stream',
            'ops-sign-in',
          ].includes(c.route.name)
        ) {
          expect(memory.state(), `${c.route.name} changed state`).toBe(before);
        }
      },
    ),
    { seed: SEED, numRuns },
  );
}

describe('web API routes fuzz (SECURITY.md)', () => {
  it(`access control on: ${RUNS} random requests — no 5xx, nothing changed by a malformed or unauthorised one`, async () => {
    await fuzz(true, RUNS);
  }, 900_000);

  it('access control off: no 5xx, nothing changed by a malformed request', async () => {
    await fuzz(false, Math.max(1, Math.floor(RUNS / 5)));
  });
});
