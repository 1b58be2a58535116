/** Name of the environment variable the global setup passes the cluster's addresses in. */
export const E2E_ENV = 'RINGDOC_E2E';

/** What the tests know about the running cluster. */
export interface E2eEnvironment {
  readonly webUrl: string;
  readonly etcd: string;
  readonly prefix: string;
  /** The nodes the suite starts with (the base shape every test leaves behind). */
  readonly nodes: readonly {
    readonly id: string;
    readonly url: string;
    readonly httpUrl: string;
  }[];
  /** The global setup's loopback control server (see `control-server.ts`). */
  readonly controlUrl: string;
  /** The operator token of `/ops` and `/api/ring*` (SECURITY.md). */
  readonly operatorToken: string;
  /** The stable web build the suite starts with (behind the web gateway on `webUrl`). */
  readonly webBuild: string;
  /** Where the web upstreams log (`ringdoc rollout web` is pointed here too). */
  readonly webLogDir: string;
}

/** Reads the environment the global setup published; throws when run without it. */
export function e2eEnvironment(): E2eEnvironment {
  const raw = process.env[E2E_ENV];
  if (!raw) throw new Error(`${E2E_ENV} is not set: run the suite with \`npx playwright test\``);
  return JSON.parse(raw) as E2eEnvironment;
}
