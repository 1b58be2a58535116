import { readFileSync } from 'node:fs';
import { DEVELOPMENT_CLUSTER_SECRET, resolveNodeConfig } from '../config.ts';
import { parseHistorySettings } from '../history/settings.ts';
import { parseLimitAssignments } from '../limits/settings.ts';
import { createLogger, parseLevel } from '../log.ts';
import { createProductionNode } from '../node/production.ts';
import { flag, option, type ParsedArgs } from './args.ts';

export const NODE_USAGE = `ringdoc node --id <id> --port <port> --etcd <url[,url]> --data <dir>
  [--host 127.0.0.1] [--public-url ws://host:port] [--internal-url ws://host:port]
  [--prefix /ringdoc/] [--build <build>] [--lease-ttl 5] [--max-frame-bytes 8388608]
  [--idle-encode-ms 30000] [--move-grace-ms 3000] [--group-commit-ms 5]
  [--allowed-origins https://a,https://b] [--replicas 2] [--durability replica|local]
  [--ticket-public-key <pem file | PEM>] [--limits name=value[,name=value]]
  [--history quietMs=30000,maxStretchMs=600000,checkpointEvery=50]
  [--history-retention 24:0,168:1,2160:24,inf:168]
  [--trusted-proxies <cidr[,cidr]>] [--insecure-dev-secret]
  [--fault-refuse-docs <regex>] (testing only: a bad build that fails documents matching it)
Environment: RINGDOC_LOG_LEVEL (debug|info|warn|error), RINGDOC_CLUSTER_SECRET (internal channel;
  required unless --insecure-dev-secret, which is refused beyond loopback), RINGDOC_OPERATOR_TOKEN
  (opens /docs to operators), RINGDOC_TICKET_PUBLIC_KEY (as --ticket-public-key: access control
  on, SECURITY.md).`;

/** Bare flags of `ringdoc node`. */
export const NODE_FLAGS: ReadonlySet<string> = new Set(['insecure-dev-secret']);

/**
 * The cluster secret: `RINGDOC_CLUSTER_SECRET`, or the public development secret when
 * `--insecure-dev-secret` is given (and then only on loopback: `resolveNodeConfig` refuses
 * otherwise). Neither: a clear refusal.
 */
export function clusterSecretOf(
  env: Readonly<Record<string, string | undefined>>,
  insecureDevSecret: boolean,
): string {
  const secret = env.RINGDOC_CLUSTER_SECRET;
  if (secret) {
    if (insecureDevSecret) {
      throw new Error('--insecure-dev-secret and RINGDOC_CLUSTER_SECRET: give one, not both');
    }
    return secret;
  }
  if (insecureDevSecret) return DEVELOPMENT_CLUSTER_SECRET;
  throw new Error(
    'refusing to start without a cluster secret: set RINGDOC_CLUSTER_SECRET (>= 16 characters, the same on every node), or pass --insecure-dev-secret for a loopback-only development node',
  );
}

/** `--ticket-public-key` / `RINGDOC_TICKET_PUBLIC_KEY`: PEM text, or the path of a PEM file. */
function ticketPublicKey(raw: string | undefined): { ticketPublicKey?: string } {
  if (raw === undefined || raw === '') return {};
  return { ticketPublicKey: raw.includes('-----BEGIN') ? raw : readFileSync(raw, 'utf8') };
}

/** `--fault-refuse-docs <regex>` (testing fault, `NodeConfig.faultRefuseDocs`); a bad pattern is refused. */
function faultRefuseDocs(raw: string | true | undefined): { faultRefuseDocs?: RegExp } {
  if (raw === undefined) return {};
  if (typeof raw !== 'string' || raw === '') throw new Error('--fault-refuse-docs needs a regex');
  try {
    return { faultRefuseDocs: new RegExp(raw) };
  } catch (error) {
    throw new Error(`--fault-refuse-docs: ${(error as Error).message}`);
  }
}

/** `ringdoc node …`: runs one node until SIGINT/SIGTERM, then stops gracefully (exit 0). */
export async function runNode(args: ParsedArgs): Promise<number> {
  const num = (key: string, fallback?: number) => {
    const raw = args.options.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`--${key} must be a number`);
    return n;
  };
  const origins = args.options.get('allowed-origins');
  const config = resolveNodeConfig({
    id: option(args, 'id'),
    port: num('port') ?? Number.NaN,
    etcd: option(args, 'etcd', process.env.RINGDOC_ETCD ?? 'http://127.0.0.1:2379').split(','),
    dataDir: option(args, 'data'),
    host: option(args, 'host', '127.0.0.1'),
    ...(args.options.has('public-url') ? { publicUrl: option(args, 'public-url') } : {}),
    ...(args.options.has('internal-url') ? { internalUrl: option(args, 'internal-url') } : {}),
    prefix: option(args, 'prefix', process.env.RINGDOC_PREFIX ?? '/ringdoc/'),
    build: option(args, 'build', process.env.RINGDOC_BUILD ?? '0.1.0'),
    leaseTtlSeconds: num('lease-ttl', 5),
    idleEncodeMs: num('idle-encode-ms', 30_000),
    moveGraceMs: num('move-grace-ms', 3000),
    ...(args.options.has('group-commit-ms') ? { groupCommitMs: num('group-commit-ms') } : {}),
    maxFrameBytes: num('max-frame-bytes', 8 * 1024 * 1024),
    allowedOrigins: typeof origins === 'string' ? origins.split(',') : null,
    replicas: num('replicas', 2),
    durability: option(args, 'durability', 'replica') as 'local' | 'replica',
    clusterSecret: clusterSecretOf(process.env, flag(args, 'insecure-dev-secret')),
    ...(process.env.RINGDOC_OPERATOR_TOKEN
      ? { operatorToken: process.env.RINGDOC_OPERATOR_TOKEN }
      : {}),
    trustedProxies: option(args, 'trusted-proxies', '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    ...ticketPublicKey(
      typeof args.options.get('ticket-public-key') === 'string'
        ? option(args, 'ticket-public-key')
        : process.env.RINGDOC_TICKET_PUBLIC_KEY,
    ),
    limits: parseLimitAssignments(option(args, 'limits', '')),
    ...faultRefuseDocs(args.options.get('fault-refuse-docs')),
    history: parseHistorySettings(
      option(args, 'history', ''),
      option(args, 'history-retention', ''),
    ),
  });
  const log = createLogger({ name: config.id, level: parseLevel(process.env.RINGDOC_LOG_LEVEL) });
  const node = createProductionNode(config, log);
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= node.stop();
    return stopping;
  };
  const done = new Promise<number>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        log.info(`received ${signal}, stopping`);
        stop().then(
          () => resolve(0),
          (error: unknown) => {
            log.error('stop failed', { error });
            resolve(1);
          },
        );
      });
    }
  });
  void node.drained.then(() => {
    log.info('drain complete, exiting');
    process.kill(process.pid, 'SIGTERM');
  });
  await node.start();
  // Machine-readable line for harnesses: the node is listening and registered.
  process.stdout.write(`ringdoc node ${config.id} listening on ${node.port()}\n`);
  return done;
}
