/**
 * Environment every ringdoc node process is started with: the local cluster launcher
 * (`npm start`), the image (`Dockerfile` `ENV`, so Compose and Kubernetes too) and the
 * benchmark set it; `scripts/validate-deploy.ts` checks the image carries it. The benchmark
 * gives it to the peers' processes too (it changes nothing for them but malloc's arenas).
 *
 * `MALLOC_ARENA_MAX=1`: glibc malloc keeps one arena instead of one per thread that ever
 * allocated (libuv's thread pool writes the journal, the compaction thread, V8's helper
 * threads). Memory freed in one arena is then reused by every thread instead of staying
 * resident in another: on the §7 memory rows this took a loaded idle document from 2.8× to
 * 2.0× its encoded size (resident) and an idle socket from 3.0 to 2.2 KB, with no change in
 * CPU per update at 5,000 updates/s (issue 14). glibc reads it when the process starts, so it
 * is set by whoever starts the node; other C libraries ignore it.
 */
export const NODE_PROCESS_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_ARENA_MAX: '1',
});
