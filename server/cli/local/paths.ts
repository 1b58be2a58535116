import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where `package.json` lives). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The `ringdoc` entry point (`bin/ringdoc.mjs`). */
export const RINGDOC_BIN = path.join(REPO_ROOT, 'bin/ringdoc.mjs');
/** The Next.js CLI, run with `node` (no shell, no `npx`). */
export const NEXT_BIN = path.join(REPO_ROOT, 'node_modules/next/dist/bin/next');
/** The web app folder (`next build web`, `next start web`). */
export const WEB_DIR = path.join(REPO_ROOT, 'web');

/**
 * Path of the local cluster's state file: `$RINGDOC_STATE_FILE`, else `<repo>/.cluster/state.json`
 * (gitignored). Its folder also holds the local cluster's logs.
 */
export function defaultStatePath(env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env.RINGDOC_STATE_FILE;
  return fromEnv ? path.resolve(fromEnv) : path.join(REPO_ROOT, '.cluster/state.json');
}
