// Benchmark memory probe, preloaded into every measured server process with
// `node --expose-gc --import <this file>`: on SIGUSR2 it runs full garbage collections and
// prints one line `BENCH_MEM {rss,rssAnon,heapUsed,external,arrayBuffers,…}` on stderr, so the
// benchmark reads live memory rather than garbage not yet collected. `rssAnon` is the
// anonymous part of the resident set (/proc/self/status RssAnon): unlike the whole RSS it does
// not drop when the kernel evicts cold pages of the node binary. Without --expose-gc it reports
// without collecting.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

function rssAnon() {
  try {
    const match = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  setTimeout(() => {
    globalThis.gc?.();
    globalThis.gc?.();
    const usage = process.memoryUsage();
    const spaces = Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]),
    );
    process.stderr.write(`BENCH_MEM ${JSON.stringify({ ...usage, rssAnon: rssAnon(), spaces })}\n`);
  }, 100);
});
