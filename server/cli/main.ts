import { type ParsedArgs, parseArgs } from './args.ts';
import { CONFIG_USAGE, runConfig } from './config-command.ts';
import { COMMON_FLAGS, COMMON_OPTIONS, type CommandContext, commandContext } from './context.ts';
import { DOCS_USAGE, runDocs } from './docs-command.ts';
import { DRAIN_USAGE, runDrain } from './drain-command.ts';
import { CliError, UsageError } from './errors.ts';
import { HISTORY_USAGE, RESTORE_USAGE, runHistory, runRestore } from './history-command.ts';
import { type CliIo, processIo } from './io.ts';
import { NODE_ADD_USAGE, runNodeAdd } from './node-add-command.ts';
import { OWNER_USAGE, runOwner } from './owner-command.ts';
import { ROLLOUT_USAGE, runRollout } from './rollout-command.ts';
import { runStatus, STATUS_USAGE } from './status-command.ts';
import { runWeb, WEB_USAGE } from './web-command.ts';

/** A cluster command: its usage, the options it accepts beyond the common ones, its body. */
interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  readonly options?: readonly string[];
  readonly flags?: readonly string[];
  run(args: ParsedArgs, context: CommandContext): Promise<number>;
}

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  status: {
    summary: 'members, states, epochs, documents and connections per node',
    usage: STATUS_USAGE,
    run: runStatus,
  },
  owner: {
    summary: 'owner and replicas of a document',
    usage: OWNER_USAGE,
    options: ['replicas'],
    run: runOwner,
  },
  docs: { summary: 'documents a node holds (loaded, stored)', usage: DOCS_USAGE, run: runDocs },
  drain: {
    summary: 'hand a node’s documents off and remove it from the ring',
    usage: DRAIN_USAGE,
    options: ['timeout'],
    flags: ['cancel', 'force'],
    run: runDrain,
  },
  rollout: {
    summary: 'staged node or web rollout: canary, observe, widen, automatic rollback',
    usage: ROLLOUT_USAGE,
    options: ['to', 'args', 'observe', 'step', 'order', 'thresholds', 'poll', 'share'],
    flags: ['protocol-change'],
    run: runRollout,
  },
  history: {
    summary: 'versions of a document (or export one as Markdown/HTML)',
    usage: HISTORY_USAGE,
    options: ['export', 'format', 'ticket-key'],
    run: runHistory,
  },
  restore: {
    summary: 'write an earlier version of a document back as a new change',
    usage: RESTORE_USAGE,
    options: ['by', 'ticket-key'],
    run: runRestore,
  },
  config: {
    summary: 'cluster settings (min-client-build, require-client-build)',
    usage: CONFIG_USAGE,
    flags: ['force'],
    run: runConfig,
  },
  'node add': {
    summary: 'start one more node in the local cluster (npm start)',
    usage: NODE_ADD_USAGE,
    options: ['id', 'port'],
    run: runNodeAdd,
  },
  web: {
    summary: 'run the web app (next start web)',
    usage: WEB_USAGE,
    options: ['port', 'host'],
    run: runWeb,
  },
};

/**
 * The options `ringdoc <command>` accepts (flags included), or `null` for an unknown command;
 * `node` is read from its usage text. Used to check command lines in deploy files.
 */
export async function knownOptions(command: string): Promise<ReadonlySet<string> | null> {
  if (command === 'node') {
    const { NODE_USAGE } = await import('./node-command.ts');
    return new Set([...NODE_USAGE.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1] as string));
  }
  const spec = COMMANDS[command];
  if (!spec) return null;
  return new Set([...COMMON_OPTIONS, ...(spec.options ?? []), ...(spec.flags ?? []), 'help']);
}

const indent = (text: string, by: string) => text.split('\n').join(`\n${by}`);

/** The top-level help text (loads `node-command.ts`, and with it the server, for its usage). */
export async function usage(): Promise<string> {
  const { NODE_USAGE } = await import('./node-command.ts');
  const rows = Object.entries(COMMANDS).map(
    ([name, spec]) =>
      `  ${name.padEnd(10)}  ${spec.summary}\n              ${indent(spec.usage, '              ')}`,
  );
  return `usage: ringdoc <command> [options]

commands:
  node        run a document node
              ${indent(NODE_USAGE, '              ')}
${rows.join('\n')}

Cluster commands find etcd through --etcd, else $RINGDOC_ETCD, else the running local cluster
(npm start, state in .cluster/state.json or $RINGDOC_STATE_FILE, --state), else
http://127.0.0.1:2379; the key prefix through --prefix, $RINGDOC_PREFIX, the local cluster, else
/ringdoc/. --json prints machine-readable JSON. Errors: one line on stderr, exit 1 (2 for usage).
`;
}

/** CLI entry: returns the process exit code. Errors print one clear line, never a stack. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? rest[0] : undefined;
    const spec = topic ? COMMANDS[topic] : undefined;
    io.out(spec ? `usage: ${spec.usage}\n` : await usage());
    return command === undefined ? 2 : 0;
  }
  const isNodeAdd = command === 'node' && rest[0] === 'add';
  const name = isNodeAdd ? 'node add' : command;
  const label = `ringdoc ${name}`;
  const spec = COMMANDS[name];
  try {
    if (command === 'node' && !isNodeAdd) {
      // Loaded only here: a node pulls in uWebSockets.js and the whole server.
      const { runNode, NODE_FLAGS } = await import('./node-command.ts');
      return await runNode(parseArgs(rest, NODE_FLAGS));
    }
    if (!spec) {
      io.err(`ringdoc: unknown command ${JSON.stringify(command)} (see \`ringdoc help\`)\n`);
      return 2;
    }
    const flags = new Set([...COMMON_FLAGS, ...(spec.flags ?? []), 'help']);
    const known = new Set([...COMMON_OPTIONS, ...(spec.options ?? [])]);
    const args = parseArgs(isNodeAdd ? rest.slice(1) : rest, flags, known);
    if (args.options.get('help') === true) {
      io.out(`usage: ${spec.usage}\n`);
      return 0;
    }
    return await spec.run(args, await commandContext(args, io));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`${label}: ${message}\n`);
    if (error instanceof UsageError && spec) io.err(`usage: ${indent(spec.usage, '       ')}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
