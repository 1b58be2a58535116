import { DEFAULT_PREFIX, normalizePrefix } from '../../../ring/etcd/keys.ts';

/** Settings of the web app's server side, from the environment. */
export interface WebConfig {
  /** `RINGDOC_ETCD`, comma separated (default `http://127.0.0.1:2379`). */
  readonly etcdEndpoints: readonly string[];
  /** `RINGDOC_PREFIX` (default `/ringdoc/`). */
  readonly prefix: string;
  /** Build this web app reports when it seeds documents (`NEXT_PUBLIC_RINGDOC_BUILD`). */
  readonly build: string;
}

/** Default client build when `NEXT_PUBLIC_RINGDOC_BUILD` is unset (the package version). */
export const DEFAULT_CLIENT_BUILD = '0.1.0';

/** Reads {@link WebConfig} from `env`. Throws on an empty prefix. */
export function readWebConfig(env: Record<string, string | undefined>): WebConfig {
  const endpoints = (env.RINGDOC_ETCD ?? 'http://127.0.0.1:2379')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return {
    etcdEndpoints: endpoints.length > 0 ? endpoints : ['http://127.0.0.1:2379'],
    prefix: normalizePrefix(env.RINGDOC_PREFIX || DEFAULT_PREFIX),
    build: env.NEXT_PUBLIC_RINGDOC_BUILD || DEFAULT_CLIENT_BUILD,
  };
}
