import path from 'node:path';

export interface SingleMemberEtcd {
  /** Member name (also its entry in `--initial-cluster`). */
  readonly name: string;
  /** Directory under which `member-data/` is created. */
  readonly dataDir: string;
  /** Client URL, e.g. `http://127.0.0.1:2379` (listened on and advertised). */
  readonly endpoint: string;
  /** Peer URL (listened on and advertised). */
  readonly peerUrl: string;
  readonly logLevel: string;
}

/**
 * Command-line arguments of a new one-member etcd cluster on loopback, logging to stderr: what
 * the test harness and the local cluster (`npm start`) both start. Callers add their own
 * compaction, quota and cluster-token flags.
 */
export function singleMemberEtcdArgs(member: SingleMemberEtcd): string[] {
  return [
    '--name',
    member.name,
    '--data-dir',
    path.join(member.dataDir, 'member-data'),
    '--listen-client-urls',
    member.endpoint,
    '--advertise-client-urls',
    member.endpoint,
    '--listen-peer-urls',
    member.peerUrl,
    '--initial-advertise-peer-urls',
    member.peerUrl,
    '--initial-cluster',
    `${member.name}=${member.peerUrl}`,
    '--initial-cluster-state',
    'new',
    '--logger',
    'zap',
    '--log-outputs',
    'stderr',
    '--log-level',
    member.logLevel,
  ];
}
