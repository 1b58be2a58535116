/**
 * Environment every ringdoc node process is started with: the local cluster launcher
 * (`npm start`), the image (`Dockerfile` `ENV`, so Compose and Kubernetes too) and the
 * benchmark set it; `scripts/validate-deploy.ts` checks the image carries it. The benchmark
 * gives it to the peers' processes too (it changes nothing for them but malloc's arenas).
 *
 * `MALLOC_ARENA_MAX=1`: glibc malloc keeps one arena instead of one per thread that ever
 * allocated (libuv's thread pool writes the journal, V8's helper threads). Memory freed in one
 * arena is then reused by every thread instead of staying resident in another: on the §7
 * memory rows this took a loaded idle document from 2.8× to 2.0× its encoded size (resident)
 * and an idle socket from 3.0 to 2.2 KB, with no change in CPU per update at 5,000 updates/s
 * (issue 14). glibc reads it when the process starts, so it is set by whoever starts the
 * node; other C libraries ignore it.
 */
export const NODE_PROCESS_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_ARENA_MAX: '1',
});

/**
 * Node options every ringdoc node process is started with, before `bin/ringdoc.mjs`: the local
 * cluster launcher and its rollouts, the image's `ENTRYPOINT` (checked by
 * `scripts/validate-deploy.ts`), `bin/ringdoc.mjs`'s own `#!` line (run as a command, `npx
 * ringdoc`) and the benchmark's launch of ours. A node started without them says so in its log
 * at start (`missingNodeFlags`).
 *
 * `--max-semi-space-size=64`: V8's young generation may grow to 2 × 64 MiB (Node's default is
 * 2 × 16 MiB) while a node allocates fast; it shrinks again when the node idles. Every update a
 * node applies allocates ≈ 18 KB that dies young; with 16 MiB semi-spaces a node at 2,000
 * updates/s ran a 3-5 ms scavenge every 0.3 s, and the edits that arrived meanwhile waited for
 * it: that was the propagation p99 (one node 2.5-4.9 ms). With 64 MiB one scavenge of ≈ 3 ms
 * every 1.3 s: 0.35-1.8 ms once the young generation has grown, for ≈ 100 MB more resident
 * memory under load (issue 14). The peers keep Node's defaults as shipped (y-websocket's p99
 * grew from 2.4-3.4 to 9-14 ms with this setting: its updates live longer).
 */
export const NODE_PROCESS_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=64']);

/**
 * The `NODE_PROCESS_FLAGS` this process was started without: neither on its command line
 * (`execArgv`) nor in `NODE_OPTIONS` (the option name counts, whatever its value).
 */
export function missingNodeFlags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map((f) => f.split('=')[0]);
  return NODE_PROCESS_FLAGS.filter((flag) => !given.includes(flag.split('=')[0]));
}
