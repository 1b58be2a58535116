import { readFileSync } from 'node:fs';
import { DEFAULT_PREFIX, normalizePrefix } from '../../../ring/index.ts';

/** The nodes' public loopback development secret (`--insecure-dev-secret`). */
export const DEVELOPMENT_CLUSTER_SECRET = 'ringdoc-development-secret';

/** Settings of the web app's server side, from the environment. */
export interface WebConfig {
  /** `RINGDOC_ETCD`, comma separated (default `http://127.0.0.1:2379`). */
  readonly etcdEndpoints: readonly string[];
  /** `RINGDOC_PREFIX` (default `/ringdoc/`). */
  readonly prefix: string;
  /** Build this web app reports when it seeds documents (`NEXT_PUBLIC_RINGDOC_BUILD`). */
  readonly build: string;
  /**
   * PKCS#8 PEM private key that signs access tickets (`RINGDOC_TICKET_PRIVATE_KEY`, or the
   * file named by `RINGDOC_TICKET_PRIVATE_KEY_FILE`). `null` (default): access control off,
   * anyone with the URL may edit (nodes must then run without `--ticket-public-key`).
   */
  readonly ticketPrivateKey: string | null;
  /** Lifetime of each ticket in seconds (`RINGDOC_TICKET_TTL_SECONDS`, default 300). */
  readonly ticketTtlSeconds: number;
  /**
   * The operator token (`RINGDOC_OPERATOR_TOKEN`, or the file named by
   * `RINGDOC_OPERATOR_TOKEN_FILE`): opens `/ops`, `/api/ring` and its stream, and is sent to
   * the nodes' `/docs`. `null` (default): those stay closed (401) to everyone.
   */
  readonly operatorToken: string | null;
  /**
   * The nodes' cluster secret (`RINGDOC_CLUSTER_SECRET`, or the file named by
   * `RINGDOC_CLUSTER_SECRET_FILE`): the web app reads and writes each document's metadata
   * (index entry, links, seeding) on its owner node with it. Default: the loopback
   * development secret of nodes started with `--insecure-dev-secret`.
   */
  readonly clusterSecret: string;
}

/** Default client build when `NEXT_PUBLIC_RINGDOC_BUILD` is unset (the package version). */
export const DEFAULT_CLIENT_BUILD = '0.1.0';

/** Reads {@link WebConfig} from `env`. Throws on an empty prefix or an unreadable key file. */
export function readWebConfig(env: Record<string, string | undefined>): WebConfig {
  const endpoints = (env.RINGDOC_ETCD ?? 'http://127.0.0.1:2379')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return {
    etcdEndpoints: endpoints.length > 0 ? endpoints : ['http://127.0.0.1:2379'],
    prefix: normalizePrefix(env.RINGDOC_PREFIX || DEFAULT_PREFIX),
    build: env.NEXT_PUBLIC_RINGDOC_BUILD || DEFAULT_CLIENT_BUILD,
    ticketPrivateKey:
      env.RINGDOC_TICKET_PRIVATE_KEY ||
      (env.RINGDOC_TICKET_PRIVATE_KEY_FILE
        ? readFileSync(env.RINGDOC_TICKET_PRIVATE_KEY_FILE, 'utf8')
        : null),
    ticketTtlSeconds: Number(env.RINGDOC_TICKET_TTL_SECONDS) || 300,
    operatorToken:
      env.RINGDOC_OPERATOR_TOKEN ||
      (env.RINGDOC_OPERATOR_TOKEN_FILE
        ? readFileSync(env.RINGDOC_OPERATOR_TOKEN_FILE, 'utf8').trim()
        : null),
    clusterSecret:
      env.RINGDOC_CLUSTER_SECRET ||
      (env.RINGDOC_CLUSTER_SECRET_FILE
        ? readFileSync(env.RINGDOC_CLUSTER_SECRET_FILE, 'utf8').trim()
        : DEVELOPMENT_CLUSTER_SECRET),
  };
}
