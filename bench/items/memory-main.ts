/**
 * The memory item alone (DESIGN §7 memory rows), without the rest of the benchmark: per idle
 * connection and per idle loaded document, for ours (one node) and the chosen peers, plus ours
 * once the idle window passed with the editors still attached (kept encoded, issue 14).
 * Unpinned and at default priority: figures are for comparing within one run.
 *
 *   npx tsx bench/items/memory-main.ts [--servers ours-1,y-websocket] [--docs 200]
 *     [--connections 400] [--keystrokes 4000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEtcd } from '../../ring/testing/etcd-server.ts';
import { createPortAllocator } from '../../test/harness/ports.ts';
import type { LaunchEnv } from '../lib/servers.ts';
import { generateTypingTrace } from '../lib/trace.ts';
import type { ServerKind } from '../lib/wire.ts';
import { runMemory } from './memory.ts';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: 'ours-1' },
    docs: { type: 'string', default: '200' },
    connections: { type: 'string', default: '400' },
    keystrokes: { type: 'string', default: '4000' },
  },
});
const kinds = (values.servers ?? '').split(',').filter((k) => k !== '') as ServerKind[];
const kb = (n: number | null) =>
  n === null || !Number.isFinite(n) ? '–' : `${(n / 1024).toFixed(1)} KB`;
const x = (n: number | null, of: number) =>
  n === null || !Number.isFinite(n) ? '–' : `${(n / of).toFixed(2)}×`;

const trace = generateTypingTrace({
  keystrokes: Number(values.keystrokes),
  seed: 3,
  clientId: 3003,
});
const encoded = trace.finalState.length;
const root = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-memory-'));
const etcd = await startEtcd();
let prefixes = 0;
const env: LaunchEnv = {
  etcd,
  nextPort: createPortAllocator(),
  root,
  serverCpu: 0,
  nextPrefix: () => `/membench${++prefixes}/`,
  niceness: null,
};
try {
  console.log(`document: ${values.keystrokes} keystrokes, ${kb(encoded)} encoded`);
  for (const kind of kinds) {
    const m = await runMemory(
      kind,
      env,
      {
        connections: Number(values.connections),
        connectionDocs: 10,
        docs: Number(values.docs),
        docState: trace.finalState,
        measureUnloaded: false,
      },
      'mm',
    );
    console.log(
      JSON.stringify({
        kind,
        perConnectionRss: kb(m.perConnectionRss),
        perDocJustSyncedRss: `${kb(m.perDocRss)} (${x(m.perDocRss, encoded)} encoded)`,
        perDocJustSyncedHeap: `${kb(m.perDocHeap)} (${x(m.perDocHeap, encoded)} encoded)`,
        perDocAttachedIdleRss: `${kb(m.perEncodedDocRss)} (${x(m.perEncodedDocRss, encoded)} encoded)`,
        perDocAttachedIdleHeap: `${kb(m.perEncodedDocHeap)} (${x(m.perEncodedDocHeap, encoded)} encoded)`,
      }),
    );
  }
} finally {
  await etcd.stop();
  await rm(root, { recursive: true, force: true });
}
