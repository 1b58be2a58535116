import { DEFAULT_PREFIX, normalizePrefix } from '../../ring/etcd/keys.ts';
import type { ParsedArgs } from './args.ts';
import type { LocalClusterState } from './local/state.ts';

/** Which cluster a command talks to, and why (shown in errors). */
export interface Target {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  /** Where the endpoints came from. */
  readonly source: '--etcd' | 'RINGDOC_ETCD' | 'local cluster' | 'default';
}

export const DEFAULT_ETCD = 'http://127.0.0.1:2379';

/**
 * Resolves the etcd endpoints and key prefix of a command. Pure. Precedence: `--etcd` /
 * `--prefix`, then `RINGDOC_ETCD` / `RINGDOC_PREFIX`, then the running local cluster's state file
 * (`npm start`), then `http://127.0.0.1:2379` and `/ringdoc/`. Endpoints are comma separated.
 */
export function resolveTarget(
  args: ParsedArgs,
  env: Readonly<Record<string, string | undefined>>,
  local: LocalClusterState | null,
): Target {
  const flagEtcd = args.options.get('etcd');
  const flagPrefix = args.options.get('prefix');
  let raw: string;
  let source: Target['source'];
  if (typeof flagEtcd === 'string') {
    raw = flagEtcd;
    source = '--etcd';
  } else if (env.RINGDOC_ETCD) {
    raw = env.RINGDOC_ETCD;
    source = 'RINGDOC_ETCD';
  } else if (local) {
    raw = local.etcd.endpoint;
    source = 'local cluster';
  } else {
    raw = DEFAULT_ETCD;
    source = 'default';
  }
  const endpoints = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (endpoints.length === 0) throw new Error(`no etcd endpoint in ${JSON.stringify(raw)}`);
  const prefix =
    typeof flagPrefix === 'string'
      ? flagPrefix
      : env.RINGDOC_PREFIX || local?.prefix || DEFAULT_PREFIX;
  return { endpoints, prefix: normalizePrefix(prefix), source };
}
