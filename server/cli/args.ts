import { UsageError } from './errors.ts';

/** Parsed `--name value` / `--flag` arguments plus positionals. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Map<string, string | true>;
}

/**
 * Parses `--key value`, `--key=value` and bare `--flag` (only for keys in `flags`). Throws a
 * {@link UsageError} on a repeated key, a missing value, or (when `known` is given) a key that
 * is neither in `known` nor in `flags`.
 */
export function parseArgs(
  argv: readonly string[],
  flags: ReadonlySet<string> = new Set(),
  known?: ReadonlySet<string>,
): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (known && !known.has(key) && !flags.has(key))
      throw new UsageError(`unknown option --${key}`);
    if (options.has(key)) throw new UsageError(`--${key} given twice`);
    if (eq !== -1) options.set(key, arg.slice(eq + 1));
    else if (flags.has(key)) options.set(key, true);
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`--${key} needs a value`);
      options.set(key, value);
      i++;
    }
  }
  return { positionals, options };
}

/** The string value of `--key`, or `fallback`; throws a {@link UsageError} when required and missing. */
export function option(args: ParsedArgs, key: string, fallback?: string): string {
  const v = args.options.get(key);
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`missing --${key}`);
}

/** True when the bare flag `--key` was given. */
export function flag(args: ParsedArgs, key: string): boolean {
  return args.options.get(key) === true;
}

/**
 * The number value of `--key` (or `fallback`, or `undefined` without one); throws a
 * {@link UsageError} when the value is not a finite number or below `min`.
 */
export function numberOption(
  args: ParsedArgs,
  key: string,
  fallback?: number,
  min = Number.NEGATIVE_INFINITY,
): number | undefined {
  const raw = args.options.get(key);
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < min) {
    throw new UsageError(
      `--${key} must be a number${min > Number.NEGATIVE_INFINITY ? ` >= ${min}` : ''}`,
    );
  }
  return n;
}

/** Throws a {@link UsageError} unless exactly `names.length` positionals were given. */
export function positionals(args: ParsedArgs, names: readonly string[]): string[] {
  if (args.positionals.length < names.length) {
    throw new UsageError(`missing <${names[args.positionals.length]}>`);
  }
  if (args.positionals.length > names.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[names.length])}`);
  }
  return args.positionals;
}
