import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REGISTER = fileURLToPath(new URL('./register-ts.mjs', import.meta.url));

/** Runs `script` (an ES module) in a fresh node with `loader` imported first. */
async function node(loader: string, script: string, flags: string[] = []) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [...flags, '--import', loader, '--input-type=module', '-e', script],
      { timeout: 30_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('bin/register-ts.mjs (how `ringdoc` runs its TypeScript)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-ts-hooks-'));
    // ES modules, as in this repository (tsx would load them as CommonJS otherwise)
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    await writeFile(
      path.join(dir, 'closures.ts'),
      [
        'type Counter = { readonly count: () => number };',
        'export const make = (): Counter => {',
        '  let n = 0;',
        '  const count = () => ++n;',
        '  return { count };',
        '};',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(dir, 'throws.ts'),
      [
        'interface Unused { readonly x: number }',
        'export function fail(): never {',
        "  throw new Error('from line 3');",
        '}',
        '',
      ].join('\n'),
    );
    await writeFile(path.join(dir, 'broken.ts'), 'export const x: number = (;\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const fastProperties = (loader: string) =>
    node(
      loader,
      `const { make } = await import(${JSON.stringify(path.join(dir, 'closures.ts'))});
       const { count } = make();
       console.log(count(), count.name, %HasFastProperties(count));`,
      ['--allow-natives-syntax'],
    );

  it('keeps closures on fast properties, their names as written (tsx redefines each name: a ~256 B dictionary per closure)', async () => {
    const ours = await fastProperties(REGISTER);
    expect(ours.stderr).toBe('');
    expect(ours.stdout.trim()).toBe('1 count true');
    // the check tells the two apart: tsx's keepNames leaves such a closure in dictionary mode
    const tsx = await fastProperties('tsx');
    expect(tsx.stdout.trim()).toBe('1 count false');
  });

  it('maps stack traces to the line of the TypeScript source', async () => {
    const file = path.join(dir, 'throws.ts');
    const result = await node(
      REGISTER,
      `const { fail } = await import(${JSON.stringify(file)});
       try { fail(); } catch (e) { console.log(e.stack.split('\\n')[1]); }`,
    );
    expect(result.stdout).toContain(`${file}:3:`);
  });

  it('refuses a file that does not parse, naming the file, the line and the problem', async () => {
    const file = path.join(dir, 'broken.ts');
    const result = await node(REGISTER, `await import(${JSON.stringify(file)});`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${file}:1:`);
    expect(result.stderr).toMatch(/Unexpected|Expected/);
  });
});
