/** `--port <n>` from the command line of a peer server script (0 when absent). */
export function portArg(argv: readonly string[]): number {
  const i = argv.indexOf('--port');
  const port = i >= 0 ? Number(argv[i + 1]) : 0;
  if (!Number.isInteger(port) || port < 0) throw new Error(`bad --port ${argv[i + 1]}`);
  return port;
}

/**
 * Prints the line the benchmark waits for once the peer listens, and makes SIGTERM a normal
 * exit (so `--cpu-prof` gets written).
 */
export function announce(port: number): void {
  process.once('SIGTERM', () => process.exit(0));
  process.stdout.write(`listening ${port}\n`);
}

/** `--data <dir>` of a durable peer (its storage directory); throws when absent. */
export function dataArg(argv: readonly string[]): string {
  const i = argv.indexOf('--data');
  const dir = i >= 0 ? argv[i + 1] : undefined;
  if (!dir) throw new Error('--data <dir> is required');
  return dir;
}
