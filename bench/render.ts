/**
 * Renders a results file's Markdown from its JSON alone: `npx tsx bench/render.ts
 * bench/results/<date>-<name>.json` writes `<date>-<name>.md` beside it (what bench/run.ts does
 * at the end of a run; useful after the renderer changed).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { type Results, renderMarkdown } from './lib/results.ts';

const file = process.argv[2];
if (!file?.endsWith('.json')) {
  console.error('usage: npx tsx bench/render.ts bench/results/<date>-<name>.json');
  process.exit(2);
}
const results = JSON.parse(await readFile(file, 'utf8')) as Results;
if (results.version !== 1)
  throw new Error(`${file}: not a results file (version ${results.version})`);
const chart = file
  .replace(/\.json$/, '-propagation.svg')
  .split('/')
  .pop();
await writeFile(
  file.replace(/\.json$/, '.md'),
  `${renderMarkdown(results)}\n![edit propagation p99 against load](${chart})\n`,
);
console.log(`wrote ${file.replace(/\.json$/, '.md')}`);
