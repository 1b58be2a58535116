import { parseArgs } from './args.ts';
import { NODE_USAGE, runNode } from './node-command.ts';

const USAGE = `usage: ringdoc <command> [options]

commands:
  node      run a document node
            ${NODE_USAGE.split('\n').join('\n            ')}
`;

/** CLI entry: returns the process exit code. Errors print one clear line, never a stack. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'node':
        return await runNode(parseArgs(rest));
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`ringdoc: unknown command ${JSON.stringify(command)}\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(
      `ringdoc ${command}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}
