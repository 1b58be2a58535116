import { compareBuilds } from '../build-info.ts';

/** Cluster settings the gate reads live from etcd `config/` (C6). */
export interface GateSettings {
  /** `config/min-client-build`: clients with an older build must reload. */
  readonly minClientBuild?: string | undefined;
  /** `config/require-client-build` = `true`: clients that send no build are refused. */
  readonly requireClientBuild?: boolean;
}

export type GateVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly minBuild: string; readonly message: string };

/**
 * Pure version gate (C6). A client that sends no build (a stock Yjs client) is compatible
 * unless a build is required; one whose protocol version is outside the node's range, or
 * whose build is older than the minimum, must upgrade.
 */
export function checkClient(
  client: { build?: string | undefined; proto?: number | undefined },
  settings: GateSettings,
  protocol: { min: number; max: number },
): GateVerdict {
  const minBuild = settings.minClientBuild ?? '';
  if (client.proto !== undefined && (client.proto < protocol.min || client.proto > protocol.max)) {
    return {
      ok: false,
      minBuild,
      message: `protocol ${client.proto} is not supported (this server speaks ${protocol.min}-${protocol.max})`,
    };
  }
  if (client.build === undefined) {
    return settings.requireClientBuild
      ? { ok: false, minBuild, message: 'a client build is required' }
      : { ok: true };
  }
  if (minBuild !== '' && compareBuilds(client.build, minBuild) < 0) {
    return {
      ok: false,
      minBuild,
      message: `build ${client.build} is older than the minimum ${minBuild}`,
    };
  }
  return { ok: true };
}
