/**
 * Health of a web build, from the per-client-build counters every node exposes in `/metrics`
 * (server/node/client-builds.ts), summed over all nodes. Pure.
 */
export interface BuildCounters {
  /** Sessions admitted (`ringdoc_client_build_sessions_total`). */
  readonly sessions: number;
  /** Told to reload by the version gate: a reload loop when it grows with sessions. */
  readonly upgradeRequired: number;
  /** Of those, refused for their protocol version (a handshake no node accepts). */
  readonly protocolRefused: number;
  /** Refused at admission otherwise (connect failures). */
  readonly refused: number;
  /** Admitted sessions the node later closed with 4400 (malformed frame, unappliable update). */
  readonly protocolErrors: number;
  /** Content messages acknowledged, the sum of their ack latencies (s), those over 250 ms. */
  readonly acks: number;
  readonly ackSeconds: number;
  readonly slowAcks: number;
}

/**
 * Thresholds of a web rollout (README, Rollouts → web). The new build breaches when, over the
 * window, its rate per session exceeds the stable build's rate by more than these, once it has
 * at least `minEvents` such events (a few reloads of a busy cluster are no verdict).
 */
export interface WebHealthThresholds {
  /** Extra share of sessions told to reload (default 0.2). */
  readonly reloadRatio: number;
  /** Extra protocol refusals allowed (default 0: any is a breach). */
  readonly protocolRefusals: number;
  /** Extra share of sessions refused at admission (default 0.3). */
  readonly refusedRatio: number;
  /** Events needed before a ratio is judged (default 2). */
  readonly minEvents: number;
  /** Extra share of acks slower than 250 ms (default 0.2; judged from 20 acks). */
  readonly slowAckRatio: number;
  /** Extra share of sessions closed for a protocol error (4400) after admission (default 0.1). */
  readonly protocolErrorRatio: number;
}

export const DEFAULT_WEB_THRESHOLDS: WebHealthThresholds = {
  reloadRatio: 0.2,
  protocolRefusals: 0,
  refusedRatio: 0.3,
  minEvents: 2,
  slowAckRatio: 0.2,
  protocolErrorRatio: 0.1,
};

/** Acks needed in a window before their slow share is judged. */
const MIN_ACKS = 20;

const KEYS = [
  'sessions',
  'upgradeRequired',
  'protocolRefused',
  'refused',
  'protocolErrors',
  'acks',
  'ackSeconds',
  'slowAcks',
] as const satisfies ReadonlyArray<keyof BuildCounters>;

const ZERO: BuildCounters = {
  sessions: 0,
  upgradeRequired: 0,
  protocolRefused: 0,
  refused: 0,
  protocolErrors: 0,
  acks: 0,
  ackSeconds: 0,
  slowAcks: 0,
};

const FIELD: Readonly<Record<string, keyof BuildCounters>> = {
  ringdoc_client_build_sessions_total: 'sessions',
  ringdoc_client_build_upgrade_required_total: 'upgradeRequired',
  ringdoc_client_build_protocol_refused_total: 'protocolRefused',
  ringdoc_client_build_refused_total: 'refused',
  ringdoc_client_build_protocol_errors_total: 'protocolErrors',
  ringdoc_client_build_acks_total: 'acks',
  ringdoc_client_build_ack_seconds_total: 'ackSeconds',
  ringdoc_client_build_slow_acks_total: 'slowAcks',
};

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/;

/** Per-build counters of one node's Prometheus text. Pure. */
export function parseBuildCounters(text: string): Map<string, BuildCounters> {
  const out = new Map<string, BuildCounters>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const field = FIELD[m[1] as string];
    if (!field) continue;
    const build = /(?:^|,)build="([^"]*)"/.exec(m[2] as string)?.[1];
    const value = Number(m[3]);
    if (build === undefined || !Number.isFinite(value)) continue;
    const c = out.get(build) ?? ZERO;
    out.set(build, { ...c, [field]: c[field] + value });
  }
  return out;
}

/** The sum of several nodes' counters. Pure. */
export function sumCounters(
  nodes: Iterable<ReadonlyMap<string, BuildCounters>>,
): Map<string, BuildCounters> {
  const out = new Map<string, BuildCounters>();
  for (const node of nodes) {
    for (const [build, c] of node) {
      const s = out.get(build) ?? ZERO;
      const next = { ...s };
      for (const k of KEYS) next[k] = s[k] + c[k];
      out.set(build, next);
    }
  }
  return out;
}

/** What `build` did between two sums (counters reset by a node restart count from 0). Pure. */
export function countersBetween(
  first: ReadonlyMap<string, BuildCounters>,
  last: ReadonlyMap<string, BuildCounters>,
  build: string,
): BuildCounters {
  const a = first.get(build) ?? ZERO;
  const b = last.get(build) ?? ZERO;
  const out = { ...ZERO };
  for (const k of KEYS) out[k] = Math.max(0, b[k] - a[k]);
  return out;
}

const ratio = (n: number, sessions: number) => (sessions === 0 ? 0 : n / sessions);
const pct = (x: number) => `${Math.round(x * 100)} %`;

/**
 * The breaches of the new build `to` against the stable build `from` over a window, each a
 * sentence with the figure and the threshold. Empty: healthy (also when `to` saw no traffic).
 */
export function findWebBreaches(
  to: { readonly build: string; readonly counters: BuildCounters },
  from: { readonly build: string; readonly counters: BuildCounters },
  t: WebHealthThresholds,
): string[] {
  const out: string[] = [];
  const n = to.counters;
  const o = from.counters;
  if (n.protocolRefused > o.protocolRefused + t.protocolRefusals) {
    out.push(
      `build ${to.build}: ${n.protocolRefused} handshake${n.protocolRefused === 1 ? '' : 's'} refused for their protocol version (build ${from.build}: ${o.protocolRefused}; allowed +${t.protocolRefusals})`,
    );
  }
  const reloads = ratio(n.upgradeRequired, n.sessions);
  const baseReloads = ratio(o.upgradeRequired, o.sessions);
  if (n.upgradeRequired >= t.minEvents && reloads > baseReloads + t.reloadRatio) {
    out.push(
      `build ${to.build}: ${n.upgradeRequired} of ${n.sessions} sessions told to reload (${pct(reloads)}; build ${from.build}: ${pct(baseReloads)}; allowed +${pct(t.reloadRatio)}): a reload loop`,
    );
  }
  const refused = ratio(n.refused, n.sessions);
  const baseRefused = ratio(o.refused, o.sessions);
  if (n.refused >= t.minEvents && refused > baseRefused + t.refusedRatio) {
    out.push(
      `build ${to.build}: ${n.refused} of ${n.sessions} sessions refused at connect (${pct(refused)}; build ${from.build}: ${pct(baseRefused)}; allowed +${pct(t.refusedRatio)})`,
    );
  }
  const errors = ratio(n.protocolErrors, n.sessions);
  const baseErrors = ratio(o.protocolErrors, o.sessions);
  if (n.protocolErrors >= t.minEvents && errors > baseErrors + t.protocolErrorRatio) {
    out.push(
      `build ${to.build}: ${n.protocolErrors} of ${n.sessions} sessions closed for a protocol error (${pct(errors)}; build ${from.build}: ${pct(baseErrors)}; allowed +${pct(t.protocolErrorRatio)})`,
    );
  }
  const slow = ratio(n.slowAcks, n.acks);
  const baseSlow = ratio(o.slowAcks, o.acks);
  if (n.acks >= MIN_ACKS && slow > baseSlow + t.slowAckRatio) {
    out.push(
      `build ${to.build}: ${n.slowAcks} of ${n.acks} acks over 250 ms (${pct(slow)}; build ${from.build}: ${pct(baseSlow)}; allowed +${pct(t.slowAckRatio)})`,
    );
  }
  return out;
}

/** Mean ack latency in ms, or `null` without acks. Pure. */
export function meanAckMs(c: BuildCounters): number | null {
  return c.acks === 0 ? null : Math.round((c.ackSeconds / c.acks) * 1000);
}

/** `1.1.0: 12 sessions, 0 reloads, 0 protocol refusals, 0 refused, 0 protocol errors, 40 acks (mean 12 ms, 0 over 250 ms)`, one part per build. Pure. */
export function summarizeBuilds(
  builds: ReadonlyArray<{ readonly build: string; readonly counters: BuildCounters }>,
): string {
  return builds
    .map(
      ({ build, counters: c }) =>
        `${build}: ${c.sessions} sessions, ${c.upgradeRequired} reloads, ${c.protocolRefused} protocol refusals, ${c.refused} refused, ${c.protocolErrors} protocol errors, ${c.acks} acks (mean ${meanAckMs(c) ?? '–'} ms, ${c.slowAcks} over 250 ms)`,
    )
    .join('; ');
}
