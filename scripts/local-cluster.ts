/**
 * `npm start`'s launcher (run by scripts/start.sh after setup): a local ringdoc cluster on
 * loopback — its own etcd in a temporary directory, 3 nodes and the web app — until Ctrl-C.
 *
 *   node --import tsx scripts/local-cluster.ts [--nodes 3] [--web-port 3000] [--no-web]
 *
 * Records the cluster in `.cluster/state.json` (or `$RINGDOC_STATE_FILE`) so `npx ringdoc status`
 * and `npx ringdoc node add` work without flags; logs go to `.cluster/logs/`. SIGINT, SIGTERM and
 * SIGHUP stop the web app, every node (gracefully) and etcd, and remove the temporary directory;
 * exit code 0 after a requested stop, 1 when the cluster could not start or etcd/the web app died.
 */
import path from 'node:path';
import { flag, numberOption, parseArgs } from '../server/cli/args.ts';
import { type LocalCluster, startLocalCluster } from '../server/cli/local/cluster.ts';
import { defaultStatePath, REPO_ROOT } from '../server/cli/local/paths.ts';
import { readLocalSecrets } from '../server/cli/local/secrets.ts';

const say = (line: string) => process.stdout.write(`[ringdoc] ${line}\n`);

async function run(): Promise<number> {
  const args = parseArgs(
    process.argv.slice(2),
    new Set(['no-web']),
    new Set(['nodes', 'web-port', 'state']),
  );
  const stateFile = path.resolve(
    typeof args.options.get('state') === 'string'
      ? (args.options.get('state') as string)
      : defaultStatePath(process.env),
  );
  const webPort = numberOption(args, 'web-port', undefined, 1);

  let resolveStop: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => {
    resolveStop = resolve;
  });
  let cluster: LocalCluster | null = null;
  let stopRequest: { why: string; code: number } | null = null;
  const stop = (why: string, code: number) => {
    if (stopRequest) return;
    stopRequest = { why, code };
    if (cluster) stopCluster(cluster, stopRequest);
  };
  // The children are unref'd (they belong to their own process groups): keep this process up.
  const keepAlive = setInterval(() => {}, 60_000);
  const stopCluster = (running: LocalCluster, request: { why: string; code: number }) => {
    say(`${request.why}: stopping the web app, the nodes and etcd`);
    void running.stop().then(() => {
      clearInterval(keepAlive);
      say('stopped');
      resolveStop(request.code);
    });
  };
  // Handlers first: a Ctrl-C while starting stops the cluster as soon as the start settles.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => stop(`received ${signal}`, 0));
  }
  cluster = await startLocalCluster({
    stateFile,
    nodes: numberOption(args, 'nodes', 3, 1),
    web: !flag(args, 'no-web'),
    ...(webPort === undefined ? {} : { webPort }),
    say,
  });
  if (stopRequest) {
    stopCluster(cluster, stopRequest);
    return stopped;
  }
  void cluster.failed.then((what) => stop(what, 1));

  const state = cluster.state();
  const rel = (p: string) => {
    const r = path.relative(REPO_ROOT, p);
    return r.startsWith('..') ? p : r;
  };
  const first = state.nodes[0];
  const secrets = state.secretsDir ? await readLocalSecrets(state.secretsDir) : null;
  process.stdout.write(
    [
      '',
      state.web
        ? `ringdoc is running: ${state.web.url}`
        : `ringdoc is running without the web app: ${first?.url ?? '(no nodes)'}`,
      `  nodes: ${state.nodes.map((n) => `${n.id} ${n.url}`).join(', ')}`,
      `  etcd:  ${state.etcd.endpoint} (prefix ${state.prefix})`,
      `  logs:  ${rel(state.logDir)}/`,
      ...(secrets
        ? [
            `  access control on: new documents get an owner link; share them with the Share button`,
            `  ops:   ${state.web ? `${state.web.url}/ops` : '/ops'} — operator token: ${secrets.operatorToken}`,
            `  keys:  ${rel(secrets.dir)}/ (cluster secret, operator token, ticket key pair; removed on stop)`,
          ]
        : []),
      '  cli:   npx ringdoc status | owner <docId> | docs <nodeId> | node add | drain <nodeId>',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  return stopped;
}

run().then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `ringdoc start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
