/** Parsed `--name value` / `--flag` arguments plus positionals. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Map<string, string | true>;
}

/** Parses `--key value`, `--key=value` and bare `--flag`; throws on a repeated key. */
export function parseArgs(
  argv: readonly string[],
  flags: ReadonlySet<string> = new Set(),
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
    if (options.has(key)) throw new Error(`--${key} given twice`);
    if (eq !== -1) options.set(key, arg.slice(eq + 1));
    else if (flags.has(key)) options.set(key, true);
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`--${key} needs a value`);
      options.set(key, value);
      i++;
    }
  }
  return { positionals, options };
}

/** The string value of `--key`, or `fallback`; throws when required and missing. */
export function option(args: ParsedArgs, key: string, fallback?: string): string {
  const v = args.options.get(key);
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new Error(`missing --${key}`);
}
