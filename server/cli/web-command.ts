import { spawn } from 'node:child_process';
import { numberOption, option, type ParsedArgs } from './args.ts';
import type { CommandContext } from './context.ts';
import { CliError } from './errors.ts';
import { REPO_ROOT } from './local/paths.ts';
import { isWebBuilt, webArgs, webEnv } from './local/web.ts';

export const WEB_USAGE = `ringdoc web [--port 3000] [--host 127.0.0.1] [--etcd url] [--prefix /ringdoc/]
  Runs the web app (next start web) against the cluster's etcd. --port defaults to $PORT, else 3000.`;

/**
 * `ringdoc web`: runs `next start web` in the foreground with `RINGDOC_ETCD`/`RINGDOC_PREFIX` set
 * from the resolved target, forwards SIGINT/SIGTERM to it and exits with its exit code (0 after a
 * forwarded signal). Fails at once when `web/.next` was not built.
 */
export async function runWeb(args: ParsedArgs, context: CommandContext): Promise<number> {
  if (!isWebBuilt()) {
    throw new CliError(
      'the web app is not built (web/.next/BUILD_ID missing): run `npx next build web`',
    );
  }
  const port = numberOption(args, 'port', Number(context.io.env.PORT ?? 3000), 1) as number;
  const host = option(args, 'host', '127.0.0.1');
  const options = {
    port,
    host,
    etcd: context.target.endpoints.join(','),
    prefix: context.target.prefix,
  };
  const child = spawn(process.execPath, webArgs(options), {
    cwd: REPO_ROOT,
    env: webEnv(context.io.env, options) as NodeJS.ProcessEnv,
    stdio: 'inherit',
  });
  let forwarded: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals) => () => {
    forwarded = signal;
    child.kill(signal);
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error) => reject(new CliError(`cannot start next: ${error.message}`)));
      child.once('exit', (code, signal) => {
        // Stopped because we were asked to: a clean stop, whatever next reports (143, 130, signal).
        if (forwarded !== null && (signal !== null || code === 130 || code === 143)) resolve(0);
        else resolve(code ?? 1);
      });
    });
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
