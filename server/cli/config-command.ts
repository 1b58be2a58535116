import { getConfig, setConfig } from '../../ring/etcd/config-watcher.ts';
import { isValidConfigName } from '../../ring/etcd/keys.ts';
import { flag, type ParsedArgs } from './args.ts';
import { readAllConfig } from './cluster-reader.ts';
import { type CommandContext, withEtcd, writeJson } from './context.ts';
import { UsageError } from './errors.ts';
import { formatTable } from './table.ts';

export const CONFIG_USAGE = `ringdoc config get [<name>] [--json]
ringdoc config set <name> <value> [--force] [--json]
ringdoc config unset <name> [--json]`;

/** Settings the nodes read (DESIGN C6), with a check of their value. */
export const KNOWN_SETTINGS: Readonly<
  Record<string, { help: string; check(v: string): string | null }>
> = {
  'min-client-build': {
    help: 'oldest client build served; older tabs are told to reload',
    check: (v) =>
      v.trim().length === 0 || v.length > 128 ? 'must be a build of 1-128 characters' : null,
  },
  'require-client-build': {
    help: '`true`: clients that send no build are refused',
    check: (v) => (v === 'true' || v === 'false' ? null : 'must be true or false'),
  },
};

/**
 * Validates `name = value` for `config set`. Pure. Unknown names are refused unless `force`
 * (a typo would otherwise be stored and silently ignored by every node).
 */
export function checkSetting(name: string, value: string, force: boolean): void {
  if (!isValidConfigName(name))
    throw new UsageError(`invalid setting name ${JSON.stringify(name)}`);
  const known = KNOWN_SETTINGS[name];
  if (!known) {
    if (force) return;
    throw new UsageError(
      `unknown setting ${JSON.stringify(name)} (known: ${Object.keys(KNOWN_SETTINGS).join(', ')}; --force stores it anyway)`,
    );
  }
  const problem = known.check(value);
  if (problem) throw new UsageError(`${name} ${problem}`);
}

/** `ringdoc config get|set|unset`: cluster settings in etcd under `<prefix>config/`, applied live. */
export async function runConfig(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [verb, name, value, ...extra] = args.positionals;
  const { io } = context;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  switch (verb) {
    case 'get': {
      if (value !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(value)}`);
      if (name === undefined) {
        const all = await withEtcd(context, (session) => readAllConfig(session));
        if (context.json) writeJson(io, all);
        else if (Object.keys(all).length === 0) io.out('no settings (see `ringdoc help config`)\n');
        else
          io.out(
            formatTable(
              [{ header: 'SETTING' }, { header: 'VALUE' }],
              Object.entries(all).map(([k, v]) => [k, v]),
            ),
          );
        return 0;
      }
      if (!isValidConfigName(name))
        throw new UsageError(`invalid setting name ${JSON.stringify(name)}`);
      const current = await withEtcd(context, (session) =>
        session.run((client) => getConfig(client, context.target.prefix, name)),
      );
      if (context.json) writeJson(io, { name, value: current ?? null });
      else io.out(current === undefined ? `${name} is not set\n` : `${current}\n`);
      return 0;
    }
    case 'set': {
      if (name === undefined || value === undefined)
        throw new UsageError('usage: config set <name> <value>');
      checkSetting(name, value, flag(args, 'force'));
      const revision = await withEtcd(context, (session) =>
        session.run((client) => setConfig(client, context.target.prefix, name, value)),
      );
      if (context.json) writeJson(io, { name, value, revision });
      else io.out(`${name} = ${value} (revision ${revision})\n`);
      return 0;
    }
    case 'unset': {
      if (name === undefined) throw new UsageError('usage: config unset <name>');
      if (value !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(value)}`);
      if (!isValidConfigName(name))
        throw new UsageError(`invalid setting name ${JSON.stringify(name)}`);
      const revision = await withEtcd(context, (session) =>
        session.run((client) => setConfig(client, context.target.prefix, name, undefined)),
      );
      if (context.json) writeJson(io, { name, value: null, revision });
      else io.out(`${name} unset (revision ${revision})\n`);
      return 0;
    }
    default:
      throw new UsageError(
        verb === undefined
          ? 'missing get|set|unset'
          : `unknown config verb ${JSON.stringify(verb)}`,
      );
  }
}
