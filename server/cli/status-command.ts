import type { MemberRecord, MemberState } from '../../ring/etcd/member-record.ts';
import type { ParsedArgs } from './args.ts';
import { type NodeProbe, probeNode, readAllConfig, readMembers } from './cluster-reader.ts';
import { type CommandContext, withEtcd, writeJson } from './context.ts';
import { cell, formatTable } from './table.ts';

/** One member as `ringdoc status` reports it: its etcd record plus what it says itself. */
export interface NodeStatusReport extends NodeProbe {
  readonly id: string;
  readonly state: MemberState;
  readonly build: string;
  readonly publicUrl: string;
  readonly internalUrl: string;
  readonly startedAt: number;
}

/** The `ringdoc status --json` document. */
export interface StatusReport {
  readonly etcd: readonly string[];
  readonly prefix: string;
  /** etcd revision the member list was read at. */
  readonly revision: number;
  /** Active members: the ring (sorted). */
  readonly ring: readonly string[];
  readonly config: Readonly<Record<string, string>>;
  readonly nodes: readonly NodeStatusReport[];
  /** Member keys whose record is invalid, with the reason. */
  readonly invalid: ReadonlyArray<{ key: string; reason: string }>;
}

export const STATUS_USAGE = 'ringdoc status [--json] [--etcd url] [--prefix /ringdoc/]';

/** Reads members and config from etcd and probes every member over HTTP (in parallel). */
export async function collectStatus(context: CommandContext): Promise<StatusReport> {
  return withEtcd(context, async (session) => {
    const [list, config] = await Promise.all([readMembers(session), readAllConfig(session)]);
    const probes = await Promise.all(list.members.map((m) => probeNode(m)));
    return {
      etcd: context.target.endpoints,
      prefix: context.target.prefix,
      revision: list.revision,
      ring: list.members.filter((m) => m.state === 'active').map((m) => m.id),
      config,
      nodes: list.members.map((m: MemberRecord, i) => ({
        id: m.id,
        state: m.state,
        build: m.build,
        publicUrl: m.publicUrl,
        internalUrl: m.internalUrl,
        startedAt: m.startedAt,
        ...(probes[i] as NodeProbe),
      })),
      invalid: list.invalid,
    };
  });
}

/** `3m 12s`, `2h 5m`, `4d 1h` (uptime cells). Pure. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function readyCell(node: NodeStatusReport): string {
  if (!node.reachable) return 'unreachable';
  if (node.ready === null) return '?';
  return node.ready ? 'yes' : `no (${node.notReadyReason ?? 'unknown'})`;
}

/** The human form of a status report. Pure (`now` for uptimes). */
export function renderStatus(report: StatusReport, now: number): string {
  const lines = [
    `etcd ${report.etcd.join(',')}  prefix ${report.prefix}  revision ${report.revision}`,
    `ring: ${report.ring.length === 0 ? '(empty: no active member)' : report.ring.join(' ')} (${report.ring.length} active of ${report.nodes.length})`,
  ];
  const config = Object.entries(report.config);
  lines.push(
    `config: ${config.length === 0 ? '(none set)' : config.map(([k, v]) => `${k}=${v}`).join('  ')}`,
    '',
  );
  let text = `${lines.join('\n')}\n`;
  if (report.nodes.length === 0) text += 'no members registered\n';
  else {
    text += formatTable(
      [
        { header: 'NODE' },
        { header: 'STATE' },
        { header: 'READY' },
        { header: 'EPOCH', align: 'right' },
        { header: 'DOCS', align: 'right' },
        { header: 'CONNS', align: 'right' },
        { header: 'BUILD' },
        { header: 'UP', align: 'right' },
        { header: 'URL' },
      ],
      report.nodes.map((n) => [
        n.id,
        n.state,
        readyCell(n),
        cell(n.epoch),
        cell(n.documents),
        cell(n.connections),
        n.build,
        formatDuration(now - n.startedAt),
        n.publicUrl,
      ]),
    );
  }
  for (const bad of report.invalid) text += `warning: ${bad.reason}\n`;
  return text;
}

/** `ringdoc status`: members, states, epochs, documents and connections per node. */
export async function runStatus(_args: ParsedArgs, context: CommandContext): Promise<number> {
  const report = await collectStatus(context);
  if (context.json) writeJson(context.io, report);
  else context.io.out(renderStatus(report, Date.now()));
  return 0;
}
