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
