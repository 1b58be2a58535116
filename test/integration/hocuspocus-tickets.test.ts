import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as v4 from '@hocuspocus/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createTicketSigner, generateTicketKeys } from '../../server/auth/ticket.ts';
import { SECRET_HEADER } from '../../server/cluster/peer-client.ts';
import { DEVELOPMENT_CLUSTER_SECRET } from '../../server/config.ts';
import { createSilentLogger } from '../../server/log.ts';
import type { Permission } from '../../server/protocol/index.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { liveLink } from '../harness/links.ts';
import { waitFor } from '../harness/node-process.ts';

/**
 * The Hocuspocus provider's token is ringdoc's ticket (PROTOCOL.md H3, P21), on a cluster
 * that requires tickets: a valid one opens the document (read-write or readonly), anything
 * else gets `authenticationFailed` and loads nothing.
 */

const keys = generateTicketKeys();
let cluster: Cluster;
let keyDir: string | undefined;
let signer: Awaited<ReturnType<typeof createTicketSigner>>;
const cleanups: Array<() => void> = [];
let seq = 0;

beforeAll(async () => {
  signer = await createTicketSigner({ privateKey: keys.privateKey });
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-hp-keys-'));
  const keyFile = path.join(keyDir, 'ticket-public.pem');
  await writeFile(keyFile, keys.publicKey);
  cluster = await startCluster({ nodes: 2, nodeArgs: ['--ticket-public-key', keyFile] });
}, 90_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await cluster?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
}, 60_000);

/** A document owned by n2, reached through n1 (forwarded, F1). */
async function remoteDoc(stem: string): Promise<string> {
  for (;;) {
    const docId = `${stem}-${Date.now().toString(36)}-${seq++}`;
    if ((await cluster.ownerOf(docId)).owner === 'n2') return docId;
  }
}

const ticket = async (docId: string, perm: Permission = 'edit') =>
  (
    await signer.sign({
      docId,
      perm,
      linkId: await liveLink(cluster, docId, perm, createSilentLogger()),
    })
  ).ticket;

function provider(docId: string, token: string) {
  const socket = new v4.HocuspocusProviderWebsocket({
    url: `${cluster.node('n1').url}/hocuspocus`,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  const doc = new Y.Doc();
  const p = new v4.HocuspocusProvider({
    websocketProvider: socket,
    name: docId,
    document: doc,
    token,
  });
  const events = { scope: null as string | null, failed: null as string | null };
  p.on('authenticated', ({ scope }: { scope: string }) => {
    events.scope = scope;
  });
  p.on('authenticationFailed', ({ reason }: { reason: string }) => {
    events.failed = reason;
  });
  p.attach();
  cleanups.push(() => {
    p.destroy();
    socket.destroy();
  });
  return { doc, p, events, text: () => doc.getText('t').toString() };
}

describe('[H3][P21] Hocuspocus tokens are tickets', () => {
  it('[H3] an edit ticket opens the document read-write; a view ticket readonly, its edits ignored', async () => {
    const docId = await remoteDoc('hp-ticket');
    const editor = provider(docId, await ticket(docId));
    const viewer = provider(docId, await ticket(docId, 'view'));
    await waitFor('both authenticated and synced', () =>
      [editor, viewer].every((c) => c.p.synced && c.events.scope !== null),
    );
    expect(editor.events.scope).toBe('read-write');
    expect(viewer.events.scope).toBe('readonly');
    viewer.doc.getText('t').insert(0, 'from the viewer ');
    editor.doc.getText('t').insert(0, 'from the editor');
    await waitFor('the viewer sees the editor', () => viewer.text().includes('from the editor'));
    await waitFor('the editor is saved', () => !editor.p.hasUnsyncedChanges);
    const reader = provider(docId, await ticket(docId, 'view'));
    await waitFor('a fresh reader synced', () => reader.p.synced);
    expect(reader.text()).toBe('from the editor');
  });

  it('[H3] a missing or forged token gets authenticationFailed; nothing is loaded', async () => {
    const docId = await remoteDoc('hp-denied');
    const forger = await createTicketSigner({ privateKey: generateTicketKeys().privateKey });
    const forged = (await forger.sign({ docId, perm: 'edit', linkId: 'x' })).ticket;
    const none = provider(docId, '');
    const bad = provider(docId, forged);
    await waitFor('both refused', () => none.events.failed !== null && bad.events.failed !== null);
    expect(none.events.failed).toMatch(/ticket/);
    expect(bad.events.failed).toMatch(/signature/);
    for (const node of cluster.nodes) {
      const docs = (await (
        await fetch(`${node.httpUrl}/docs`, {
          headers: { [SECRET_HEADER]: DEVELOPMENT_CLUSTER_SECRET },
        })
      ).json()) as { loaded: string[] };
      expect(docs.loaded).not.toContain(docId);
    }
  });
});
