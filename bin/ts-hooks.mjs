// Module hooks that let Node run ringdoc's TypeScript sources (registered by register-ts.mjs).
// Plain JavaScript: they load before any TypeScript can. Each `.ts` file is transformed on its
// own by esbuild (types dropped; `verbatimModuleSyntax` and class-field semantics from
// tsconfig.json), with an inline source map for stack traces.
//
// Why not tsx's loader: tsx transforms with esbuild's `keepNames`, which wraps every function
// whose name is inferred in `__name(fn, "…")`, i.e. `Object.defineProperty(fn, 'name', …)`.
// That turns each such closure's properties into a dictionary (≈256 B of heap each) and runs a
// defineProperty every time one is created: measured ≈1.3 KB of a ringdoc node's ≈4 KB heap per
// idle connection (`bench/items/memory-breakdown.ts --connections 2000`). A transform without
// bundling or minifying renames nothing, so names stay as written without it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const TS_FILE = /\.(?:ts|mts)$/;

const tsconfig = JSON.parse(await readFile(new URL('../tsconfig.json', import.meta.url), 'utf8'));

/** esbuild options for one TypeScript file. */
function transformOptions(file) {
  return {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcefile: file,
    sourcemap: 'inline',
    sourcesContent: false,
    keepNames: false,
    tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
  };
}

/** Node's `load` hook: TypeScript files become ES modules; anything else is Node's. */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TS_FILE.test(new URL(url).pathname)) {
    return nextLoad(url, context);
  }
  const file = fileURLToPath(url);
  const { code } = await transform(await readFile(file, 'utf8'), transformOptions(file));
  return { format: 'module', source: code, shortCircuit: true };
}
