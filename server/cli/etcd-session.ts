import { type Etcd3, GRPCGenericError } from 'etcd3';
import { createEtcdClient } from '../../ring/etcd/client.ts';
import { createSilentLogger } from '../log.ts';
import { CliError } from './errors.ts';
import type { Target } from './target.ts';

/** One command's etcd connection. */
export interface EtcdSession {
  readonly client: Etcd3;
  readonly target: Target;
  /**
   * Runs `fn`; an etcd transport failure (connection refused, deadline, not an etcd endpoint)
   * becomes a {@link CliError} `cannot reach etcd at <endpoints> (<cause>); endpoint from <source>`.
   */
  run<T>(fn: (client: Etcd3) => Promise<T>): Promise<T>;
  close(): void;
}

/** True for gRPC-level failures (unavailable, deadline, not an etcd endpoint…) rather than etcd answers. */
function isTransportError(error: unknown): boolean {
  return error instanceof GRPCGenericError;
}

/**
 * The short cause of a gRPC failure: `connect ECONNREFUSED 127.0.0.1:2379` rather than grpc-js's
 * `14 UNAVAILABLE: No connection established. Last error: Error: connect … Resolution note: `. Pure.
 */
export function transportCause(error: Error): string {
  const first = error.message.split('\n')[0] ?? '';
  const last = /Last error: (?:Error: )?(.*?)\.?\s*(?:Resolution note:.*)?$/.exec(first);
  return (last?.[1] || first.replace(/\s*Resolution note:.*$/, '')).trim() || error.name;
}

/**
 * Opens an etcd client for one CLI command: two attempts, a 2 s deadline per call, no retry
 * chatter on stderr — so an unreachable etcd is reported within a few seconds rather than after
 * the nodes' long retry schedule.
 */
export function openEtcd(target: Target): EtcdSession {
  const client = createEtcdClient({
    endpoints: target.endpoints,
    log: createSilentLogger(),
    maxAttempts: 2,
    dialTimeoutMs: 2000,
    initialBackoffMs: 200,
    maxBackoffMs: 500,
  });
  return {
    client,
    target,
    async run(fn) {
      try {
        return await fn(client);
      } catch (error) {
        if (!isTransportError(error)) throw error;
        throw new CliError(
          `cannot reach etcd at ${target.endpoints.join(',')} (${transportCause(error as Error)}); endpoint from ${target.source}`,
        );
      }
    },
    close() {
      client.close();
    },
  };
}
