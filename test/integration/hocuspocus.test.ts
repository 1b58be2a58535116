import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import {
  HOCUSPOCUS_PROVIDERS,
  type HocuspocusLib,
  hocuspocusProvider,
  hocuspocusSocket,
} from '../harness/hocuspocus-providers.ts';
import { waitFor } from '../harness/node-process.ts';
import { docOwnedBy } from '../harness/owned-doc.ts';

/**
 * Unchanged `@hocuspocus/provider` 4.x and 3.x against a real cluster (PROTOCOL.md H1–H6):
 * several documents over one shared socket, each owned by another node than the socket's,
 * converging with a second client of each document on yet another socket.
 */

let cluster: Cluster;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
}, 90_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await cluster?.stop();
}, 60_000);

const LIBS = HOCUSPOCUS_PROVIDERS;
const socketOf = (lib: HocuspocusLib, nodeUrl: string) => hocuspocusSocket(lib, nodeUrl, cleanups);
const providerOf = (lib: HocuspocusLib, socket: { destroy(): void }, name: string, user: string) =>
  hocuspocusProvider(lib, socket, name, user, cleanups);

describe.each(Object.entries(LIBS))('@hocuspocus/provider %s on any node', (version, lib) => {
  it(`[H1][H3][C10] two providers sharing one socket edit two documents owned by other nodes (${version})`, async () => {
    const tag = version.replace(/\./g, '');
    const docA = docOwnedBy('n2', `hp-${tag}a`);
    const docB = docOwnedBy('n3', `hp-${tag}b`);
    expect((await cluster.ownerOf(docA)).owner).toBe('n2');
    expect((await cluster.ownerOf(docB)).owner).toBe('n3');

    // One socket on n1, which owns neither document: both are forwarded.
    const shared = socketOf(lib, cluster.node('n1').url);
    const a1 = providerOf(lib, shared, docA, 'a1');
    const b1 = providerOf(lib, shared, docB, 'b1');
    // Second clients on their own sockets, on other nodes.
    const a2 = providerOf(lib, socketOf(lib, cluster.node('n3').url), docA, 'a2');
    const b2 = providerOf(lib, socketOf(lib, cluster.node('n2').url), docB, 'b2');
    await waitFor(
      'every provider synced',
      () => [a1, b1, a2, b2].every((c) => c.provider.synced),
      30_000,
    );

    for (let i = 0; i < 20; i++) {
      a1.doc.getText('t').insert(0, `a1-${i} `);
      a2.doc.getText('t').insert(0, `a2-${i} `);
      b1.doc.getText('t').insert(0, `b1-${i} `);
      b2.doc.getText('t').insert(0, `b2-${i} `);
    }
    const words = (text: string) => text.split(' ').filter(Boolean).length;
    await waitFor(
      'both documents converge',
      () =>
        a1.text() === a2.text() &&
        b1.text() === b2.text() &&
        words(a1.text()) === 40 &&
        words(b1.text()) === 40,
      30_000,
    );
    expect(a1.text()).not.toContain('b1-');
    expect(b1.text()).not.toContain('a1-');
    // Acks (C4) reach the provider as SyncStatus: nothing is left unsynced.
    await waitFor('every change acknowledged', () =>
      [a1, b1, a2, b2].every((c) => !c.provider.hasUnsyncedChanges),
    );
    // Presence crosses the forward too.
    await waitFor('each sees the other in its document', () => {
      const names = (c: typeof a1) =>
        [...(c.provider.awareness?.getStates().values() ?? [])]
          .map((s) => (s as { user?: { name?: string } }).user?.name)
          .sort()
          .join();
      return names(a1) === 'a1,a2' && names(b2) === 'b1,b2';
    });
  }, 90_000);
});
