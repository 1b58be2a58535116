/**
 * Version history figures of issue 17, on the 160 KB editing trace with 100 versions: bytes
 * stored per version against the document's encoded size, and the time to list, preview and
 * restore. Run: `npx tsx bench/history/history.bench.ts [--quick] [--versions 100] [--cluster]`
 * (`--cluster` also measures through a real 3-node cluster, round trips included). Prints
 * the measured figures with the goals beside them; tests never assert timings.
 */
import { runClusterHistoryBench, runHistoryBench } from '../items/history.ts';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const at = argv.indexOf('--versions');
const versions = at >= 0 ? Number(argv[at + 1]) : 100;

const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(2)} ms`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

const t0 = performance.now();
const r = runHistoryBench({
  versions,
  ...(quick ? { targetBytes: 40_000, keystrokesPerSession: 15_000, repeats: 5 } : {}),
});
const perVersion = r.historyBytes / r.versions;
const perTen = perVersion * 10;
const lines = [
  `history bench: ${r.keystrokes} keystrokes, ${r.versions} versions, document ${kb(r.docBytes)} encoded (built in ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  `storage: history room ${kb(r.historyBytes)} = ${kb(perVersion)} per version (${((100 * perVersion) / r.docBytes).toFixed(1)} % of the document); per 10 versions ${(perTen / r.docBytes).toFixed(2)}× a plain copy — goal ≤ 2× ${verdict(perTen <= 2 * r.docBytes)}; a plain copy per version would take ${kb(r.plainCopiesBytes)} (${(r.plainCopiesBytes / r.historyBytes).toFixed(1)}× more)`,
  `list: ${ms(r.list.p50)} p50, ${ms(r.list.max)} max (loaded); open + list from the stored state ${ms(r.openAndList.p50)} p50, ${ms(r.openAndList.max)} max — goal < 50 ms ${verdict(r.openAndList.p50 < 50)}`,
  `preview (rebuild a version + read its blocks, every version, chains ≤ ${r.longestChain}): ${ms(r.preview.p50)} p50, ${ms(r.preview.p95)} p95, ${ms(r.preview.max)} max`,
  `restore (rebuild + replace in one transaction): ${ms(r.restore.p50)} p50, ${ms(r.restore.max)} max — goal < 100 ms ${verdict(r.restore.p50 < 100)}; update sent to collaborators ≤ ${kb(r.restoreUpdateBytes)}`,
];
for (const line of lines) console.log(line);

if (argv.includes('--cluster')) {
  const c = await runClusterHistoryBench({
    versions,
    ...(quick ? { targetBytes: 40_000, repeats: 5 } : {}),
  });
  const clusterLines = [
    `cluster (3 nodes, R = 2, durability replica): document ${kb(c.docBytes)}, ${c.versions} named versions, history room ${kb(c.historyBytes)} (${(c.historyBytes / c.versions / 1000).toFixed(1)} KB per version)`,
    `open + sync + list from a fresh client: ${ms(c.openAndList.p50)} p50, ${ms(c.openAndList.max)} max — goal < 50 ms ${verdict(c.openAndList.p50 < 50)}`,
    `restore request → reply (cut before, restore, cut after, durable on 2 holders): ${ms(c.restore.p50)} p50, ${ms(c.restore.max)} max — goal < 100 ms ${verdict(c.restore.p50 < 100)}`,
  ];
  for (const line of clusterLines) console.log(line);
}
