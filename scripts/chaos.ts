/**
 * Chaos run against a real local cluster (etcd + `ringdoc node` processes on loopback):
 *
 *   npx tsx scripts/chaos.ts [--seed N] [--docs D] [--editors E] [--duration S] [--long]
 *                            [--faults K] [--lease-ttl S] [--interval MS] [--logs DIR]
 *
 * D documents × E simulated editors per document (stock Yjs docs) type unique tokens while the
 * seeded fault schedule (kill -9 + restart, SIGSTOP/SIGCONT past the lease TTL, node add,
 * drain through the etcd control key, etcd restart) runs one fault at a time. Prints the seed,
 * the schedule, progress and a summary; exits 1 on any violated invariant (the node and etcd
 * logs of a failed run are kept in --logs, default `test-results/chaos-<seed>/`), 2 on bad
 * arguments. Defaults: 12 docs × 2 editors for 90 s; `--long`: 50 docs × 3 editors for 900 s.
 * A run is replayed by passing the printed seed again (fault timing depends on recovery).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChaos } from '../test/harness/chaos.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function usage(message: string): never {
  console.error(
    `${message}\nusage: npx tsx scripts/chaos.ts [--seed N] [--docs D] [--editors E] [--duration S] [--long] [--faults K] [--lease-ttl S] [--interval MS] [--logs DIR]`,
  );
  process.exit(2);
}

function int(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) usage(`--${name} must be an integer ≥ ${min}`);
  return value;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    usage((error as Error).message);
  }
  const { values } = parsed;
  const long = values.long === true;
  const seed = int('seed', values.seed, Math.floor(Math.random() * 2 ** 31));
  const maxFaults = values.faults === undefined ? undefined : int('faults', values.faults, 0, 1);
  const report = await runChaos({
    seed,
    docs: int('docs', values.docs, long ? 50 : 12, 1),
    editorsPerDoc: int('editors', values.editors, long ? 3 : 2, 1),
    durationMs: int('duration', values.duration, long ? 900 : 90) * 1000,
    leaseTtl: int('lease-ttl', values['lease-ttl'], 2, 2),
    typingIntervalMs: int('interval', values.interval, 300, 10),
    logsDir: values.logs ?? path.join(ROOT, 'test-results', `chaos-${seed}`),
    ...(maxFaults !== undefined ? { maxFaults } : {}),
  });
  if (report.violations.length === 0) {
    console.log(`OK: every invariant held (seed ${seed})`);
    return 0;
  }
  console.log(`\n${report.violations.length} VIOLATIONS (seed ${seed}):`);
  for (const v of report.violations.slice(0, 50)) console.log(`  ${v}`);
  if (report.violations.length > 50) console.log(`  … and ${report.violations.length - 50} more`);
  const args = process.argv
    .slice(2)
    .filter((a, i, all) => a !== '--seed' && all[i - 1] !== '--seed');
  console.log(`replay: npx tsx scripts/chaos.ts --seed ${seed} ${args.join(' ')}`.trimEnd());
  return 1;
}

function parse() {
  return parseArgs({
    options: {
      seed: { type: 'string' },
      docs: { type: 'string' },
      editors: { type: 'string' },
      duration: { type: 'string' },
      faults: { type: 'string' },
      'lease-ttl': { type: 'string' },
      interval: { type: 'string' },
      logs: { type: 'string' },
      long: { type: 'boolean' },
    },
    strict: true,
  });
}

process.exit(await main());
