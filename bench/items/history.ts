import * as Y from 'yjs';
import { readBlocks } from '../../server/history/content.ts';
import { replaceContent } from '../../server/history/restore.ts';
import {
  cutVersion,
  readVersions,
  summarize,
  versionDoc,
  versionUpdate,
} from '../../server/history/versions.ts';
import { type Quantiles, Samples } from '../lib/stats.ts';
import { generateTypingTrace } from '../lib/trace.ts';

export interface HistoryBenchOptions {
  /** Versions cut over the editing session (default 100). */
  readonly versions?: number;
  /** Stop growing the document at this encoded size (default 160 000 bytes, the B4 trace). */
  readonly targetBytes?: number;
  readonly keystrokesPerSession?: number;
  readonly checkpointEvery?: number;
  /** Timed repetitions of list / preview / restore (default 20). */
  readonly repeats?: number;
}

export interface HistoryBenchResult {
  readonly keystrokes: number;
  readonly versions: number;
  /** The document's encoded size after the last keystroke (`Y.encodeStateAsUpdate`). */
  readonly docBytes: number;
  /** The history room's encoded size (what every holder stores for it). */
  readonly historyBytes: number;
  /** Sum over versions of each version's full encoded state (a plain copy per version). */
  readonly plainCopiesBytes: number;
  /** Largest chain of diffs merged to rebuild one version. */
  readonly longestChain: number;
  /** Open the history from its encoded state and list it (what a client or the CLI does). */
  readonly openAndList: Quantiles;
  /** List the versions of the loaded history (the panel re-listing on a change). */
  readonly list: Quantiles;
  /** Rebuild one version and read its blocks (the panel's preview), over all versions. */
  readonly preview: Quantiles;
  /** Rebuild a version and write it into the live document as one change. */
  readonly restore: Quantiles;
  /** Bytes of one restore's update (what every collaborator receives). */
  readonly restoreUpdateBytes: number;
}

/**
 * Version history cost on the 160 KB editing trace (issue 17): replays typing sessions of the
 * B4-shaped trace (`lib/trace.ts`) into one document, cutting `versions` versions at even
 * intervals with the code nodes run (`server/history`), then times listing, previewing and
 * restoring. In-process and single-threaded: the figures are the CPU cost on the node (cut,
 * restore) and in the browser or CLI (open, list, preview), without network.
 */
export function runHistoryBench(options: HistoryBenchOptions = {}): HistoryBenchResult {
  const count = options.versions ?? 100;
  const target = options.targetBytes ?? 160_000;
  const perSession = options.keystrokesPerSession ?? 40_000;
  const repeats = options.repeats ?? 20;
  const sessions: Uint8Array[][] = [];
  let probe: Uint8Array = new Uint8Array(0);
  for (let s = 0; s < 12 && probe.length < target; s++) {
    const trace = generateTypingTrace({
      keystrokes: perSession,
      seed: 17 + s,
      clientId: 1700 + s,
      textName: 'root',
    });
    sessions.push([...trace.updates]);
    probe = probe.length === 0 ? trace.finalState : Y.mergeUpdates([probe, trace.finalState]);
  }
  const updates = sessions.flat();
  const main = new Y.Doc();
  main.get('root', Y.XmlText);
  const history = new Y.Doc();
  const every = Math.ceil(updates.length / count);
  let plainCopiesBytes = 0;
  let cut = 0;
  for (let k = 0; k < updates.length; k++) {
    Y.applyUpdate(main, updates[k] as Uint8Array);
    if ((k + 1) % every === 0 || k === updates.length - 1) {
      cutVersion(main, history, {
        id: `v${++cut}`,
        kind: cut % 10 === 0 ? 'named' : 'auto',
        at: cut * 60_000,
        authors: [`writer ${cut % 3}`],
        ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
      });
      plainCopiesBytes += Y.encodeStateAsUpdate(main).length;
    }
  }
  const records = readVersions(history);
  const historyState = Y.encodeStateAsUpdate(history);
  let longestChain = 0;
  let chain = 0;
  for (const r of records) {
    chain = r.checkpoint ? 1 : chain + 1;
    longestChain = Math.max(longestChain, chain);
  }

  const openAndList = new Samples();
  const list = new Samples();
  for (let i = 0; i < repeats; i++) {
    let t0 = performance.now();
    const copy = new Y.Doc();
    Y.applyUpdate(copy, historyState);
    summarize(readVersions(copy));
    openAndList.add(performance.now() - t0);
    t0 = performance.now();
    summarize(readVersions(copy));
    list.add(performance.now() - t0);
    copy.destroy();
  }

  const preview = new Samples();
  for (let i = 0; i < records.length; i++) {
    const t0 = performance.now();
    const doc = versionDoc(records, i);
    readBlocks(doc);
    preview.add(performance.now() - t0);
    doc.destroy();
  }

  const restore = new Samples();
  let restoreUpdateBytes = 0;
  const state = Y.encodeStateAsUpdate(main);
  for (let i = 0; i < repeats; i++) {
    const live = new Y.Doc();
    Y.applyUpdate(live, state);
    const index = Math.floor(((i + 1) * (records.length - 1)) / (repeats + 1));
    const before = Y.encodeStateVector(live);
    const t0 = performance.now();
    const old = versionDoc(records, index);
    replaceContent(live, old);
    restore.add(performance.now() - t0);
    restoreUpdateBytes = Math.max(restoreUpdateBytes, Y.encodeStateAsUpdate(live, before).length);
    // The restored text is the version's text.
    if (live.get('root', Y.XmlText).toString() !== old.get('root', Y.XmlText).toString()) {
      throw new Error(`restore of version ${index + 1} did not reproduce its text`);
    }
    old.destroy();
    live.destroy();
  }
  // Every version rebuilds to a state its chain describes (sanity, not timed).
  if (versionUpdate(records, records.length - 1).length === 0) throw new Error('empty version');
  return {
    keystrokes: updates.length,
    versions: records.length,
    docBytes: Y.encodeStateAsUpdate(main).length,
    historyBytes: historyState.length,
    plainCopiesBytes,
    longestChain,
    openAndList: openAndList.summary(),
    list: list.summary(),
    preview: preview.summary(),
    restore: restore.summary(),
    restoreUpdateBytes,
  };
}

export interface ClusterHistoryResult {
  readonly docBytes: number;
  readonly versions: number;
  /** Bytes the owner stores for the history room (its encoded state). */
  readonly historyBytes: number;
  /** Connect to the owner's history room and sync it (what the panel and the CLI do). */
  readonly openAndList: Quantiles;
  /** REQUEST restore → REPLY: cut before, restore, cut after, durable on 2 holders. */
  readonly restore: Quantiles;
}

/**
 * The same history through a real cluster (3 `ringdoc node` processes, R = 2, durability
 * `replica`, real etcd): an editor uploads the trace in `versions` chunks and names a version
 * after each; then times opening + listing the history from a fresh client and restore
 * requests, round trip included.
 */
export async function runClusterHistoryBench(
  options: { versions?: number; repeats?: number; targetBytes?: number } = {},
): Promise<ClusterHistoryResult> {
  const { startCluster } = await import('../../test/harness/cluster.ts');
  const { RawClient } = await import('../../test/harness/raw-client.ts');
  const { HistoryClient } = await import('../../server/history/client.ts');
  const WebSocket = (await import('ws')).default;
  const count = options.versions ?? 100;
  const repeats = options.repeats ?? 10;
  const target = options.targetBytes ?? 160_000;
  const updates: Uint8Array[] = [];
  let size = 0;
  for (let s = 0; s < 12 && size < target; s++) {
    const trace = generateTypingTrace({
      keystrokes: 40_000,
      seed: 17 + s,
      clientId: 1700 + s,
      textName: 'root',
    });
    updates.push(...trace.updates);
    const probe = new Y.Doc();
    for (const u of updates) Y.applyUpdate(probe, u);
    size = Y.encodeStateAsUpdate(probe).length;
    probe.destroy();
  }
  const cluster = await startCluster({ nodes: 3, leaseTtl: 5 });
  const open: Array<{ close(): void }> = [];
  try {
    const docId = `hist-bench-${Date.now().toString(36)}`;
    const route = await cluster.ownerOf(docId);
    const editor = new RawClient(route.url, docId);
    open.push(editor);
    await editor.opened();
    await editor.waitSynced();
    const connect = () => {
      const client = new HistoryClient({
        docId,
        resolveUrl: async () => route.url,
        createSocket: (url) =>
          new WebSocket(url) as unknown as import('../../server/history/client.ts').HistorySocket,
      });
      open.push(client);
      return client;
    };
    const writer = connect();
    await writer.ready();
    const every = Math.ceil(updates.length / count);
    for (let v = 0; v < count; v++) {
      const chunk = updates.slice(v * every, (v + 1) * every);
      if (chunk.length === 0) break;
      Y.applyUpdate(editor.doc, Y.mergeUpdates(chunk));
      await editor.waitAcked();
      const reply = await writer.request('cut', { name: `v${v + 1}` });
      if (!reply.ok) throw new Error(`cut failed: ${reply.reason}`);
    }
    writer.close();
    const docBytes = Y.encodeStateAsUpdate(editor.doc).length;
    const openAndList = new Samples();
    let historyBytes = 0;
    let versions = 0;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      const client = connect();
      await client.ready();
      versions = summarize(client.versions()).length;
      openAndList.add(performance.now() - t0);
      historyBytes = Y.encodeStateAsUpdate(client.doc).length;
      client.close();
    }
    const restore = new Samples();
    const client = connect();
    await client.ready();
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      const reply = await client.request('restore', { version: String(1 + ((i * 37) % versions)) });
      if (!reply.ok) throw new Error(`restore failed: ${reply.reason}`);
      restore.add(performance.now() - t0);
    }
    return {
      docBytes,
      versions,
      historyBytes,
      openAndList: openAndList.summary(),
      restore: restore.summary(),
    };
  } finally {
    for (const c of open) c.close();
    await cluster.stop();
  }
}
