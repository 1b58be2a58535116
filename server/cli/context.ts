import path from 'node:path';
import type { ParsedArgs } from './args.ts';
import { type EtcdSession, openEtcd } from './etcd-session.ts';
import type { CliIo } from './io.ts';
import { defaultStatePath } from './local/paths.ts';
import { type LocalClusterState, readLiveState } from './local/state.ts';
import { resolveTarget, type Target } from './target.ts';

/** Options every cluster command accepts. */
export const COMMON_OPTIONS = ['etcd', 'prefix', 'state', 'json'] as const;
export const COMMON_FLAGS = new Set(['json']);

/** What a cluster command works with: where etcd is, the local cluster (if any), output mode. */
export interface CommandContext {
  readonly io: CliIo;
  readonly json: boolean;
  readonly stateFile: string;
  /** The running local cluster (`npm start`), or `null`. */
  readonly local: LocalClusterState | null;
  readonly target: Target;
}

/** Resolves the context of a command from its arguments and environment (reads the state file). */
export async function commandContext(args: ParsedArgs, io: CliIo): Promise<CommandContext> {
  const stateOption = args.options.get('state');
  const stateFile =
    typeof stateOption === 'string' ? path.resolve(stateOption) : defaultStatePath(io.env);
  const local = await readLiveState(stateFile).catch(() => null);
  return {
    io,
    json: args.options.get('json') === true,
    stateFile,
    local,
    target: resolveTarget(args, io.env, local),
  };
}

/** Runs `fn` with an etcd session that is closed afterwards, whatever happens. */
export async function withEtcd<T>(
  context: CommandContext,
  fn: (session: EtcdSession) => Promise<T>,
): Promise<T> {
  const session = openEtcd(context.target);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** Writes `value` as one line of JSON. */
export function writeJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value)}\n`);
}
