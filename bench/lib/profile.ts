import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  /** µs between consecutive samples (the first from `startTime`); V8 always writes it. */
  readonly timeDeltas?: readonly number[];
}

/**
 * A span of time on the monotonic clock, in µs: V8 profile timestamps and
 * `process.hrtime.bigint() / 1000n` read the same clock, so a bench process can name the span
 * of its measured steps in the profiles its servers write.
 */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** The current time on the clock of profile timestamps (µs). */
export function profileClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * The sample ids of `profile` taken inside `window` (all of them without one, or when the
 * profile has no timestamps).
 */
export function samplesIn(profile: CpuProfile, window?: ProfileWindow): readonly number[] {
  const deltas = profile.timeDeltas;
  if (!window || !deltas || deltas.length !== profile.samples.length) return profile.samples;
  const out: number[] = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += deltas[i] as number;
    if (t >= window.fromUs && t <= window.toUs) out.push(profile.samples[i] as number);
  }
  return out;
}

/** Share of busy (non-idle) CPU samples. */
export interface ProfileEntry {
  readonly name: string;
  readonly share: number;
}

export interface ProfileSummary {
  /** Busy samples over all samples. */
  readonly busyShare: number;
  /** Top functions by self time. */
  readonly functions: readonly ProfileEntry[];
  /** Self time grouped by where the code lives (yjs, uWS, ringdoc store, …). */
  readonly areas: readonly ProfileEntry[];
}

const AREAS: readonly [RegExp, string][] = [
  [/node_modules\/yjs\//, 'yjs'],
  [/node_modules\/lib0\//, 'lib0'],
  [/node_modules\/y-protocols\/awareness|server\/documents\/awareness-ids/, 'awareness'],
  [/node_modules\/y-protocols\//, 'y-protocols'],
  [/node_modules\/uWebSockets\.js|uws/i, 'uWebSockets.js'],
  [/node_modules\/etcd3|node_modules\/@grpc|server\/coordination\/|\/ring\//, 'etcd client'],
  [/server\/persistence\//, 'ringdoc store'],
  [
    /server\/documents\/session|server\/limits\/|server\/node\/(admission|sessions|room-socket|client-router|hocuspocus-socket)|server\/auth\/|server\/routing\//,
    'ringdoc sessions',
  ],
  // the peer channel (server/cluster/peer-client.ts) is the one user of `ws` in a node
  [/server\/cluster\/|server\/node\/forwarder|node_modules\/ws\//, 'ringdoc replication'],
  [/server\/node-metrics|server\/http\/metrics|server\/node\/(gauges|loop-lag)/, 'ringdoc metrics'],
  [/server\/log\.ts/, 'ringdoc logging'],
  [/server\/history\//, 'ringdoc history'],
  [/server\/documents\//, 'ringdoc documents'],
  [/server\/protocol\//, 'ringdoc protocol'],
  [/server\/transport\//, 'ringdoc transport'],
  [/server\//, 'ringdoc other'],
  [/node_modules\/tsx\//, 'tsx loader'],
  [/^node:|^internal\//, 'node internals'],
];

function area(frame: CallFrame): string {
  if (frame.url === '') {
    if (frame.functionName.startsWith('(')) return frame.functionName;
    return 'native/builtin';
  }
  for (const [re, name] of AREAS) if (re.test(frame.url)) return name;
  return 'other JS';
}

function shorten(url: string): string {
  const i = url.lastIndexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  const j = url.indexOf('/server/');
  if (j >= 0) return url.slice(j + 1);
  return url.replace(/^file:\/\//, '');
}

/**
 * Summarizes the busiest `.cpuprofile` in `dir` (V8's `--cpu-prof` output; one file per
 * thread, e.g. tsx's loader thread besides the main thread) by self time.
 */
export async function summarizeProfile(
  dir: string,
  top = 12,
  window?: ProfileWindow,
): Promise<ProfileSummary | null> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  let best: { profile: CpuProfile; samples: readonly number[]; busy: number } | null = null;
  for (const file of files) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const idle = new Set(
      profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
    );
    const samples = samplesIn(profile, window);
    const busy = samples.filter((id) => !idle.has(id)).length;
    if (!best || busy > best.busy) best = { profile, samples, busy };
  }
  if (!best) return null;
  const { profile, samples } = best;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const id of samples) self.set(id, (self.get(id) ?? 0) + 1);
  let busy = 0;
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, count] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += count;
    const name =
      frame.url === ''
        ? frame.functionName || '(anonymous)'
        : `${frame.functionName || '(anonymous)'} ${shorten(frame.url)}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + count);
    const a = area(frame);
    areas.set(a, (areas.get(a) ?? 0) + count);
  }
  const rank = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([name, count]) => ({ name, share: busy ? count / busy : 0 }));
  return {
    busyShare: samples.length ? busy / samples.length : 0,
    functions: rank(functions, top),
    areas: rank(areas, 10),
  };
}

/**
 * The per-update CPU split of DESIGN §7: journal, Yjs, transport, GC, and what used to be one
 * "other": sessions (admission, rate buckets, routing, the session), replication, awareness,
 * metrics, logging, documents (room, registry), coordination (etcd, ring), history, promise and
 * timer machinery no ringdoc frame is under, tsx's `__name` (esbuild keepNames: one call per
 * closure created), and the rest.
 */
export const SPLIT_AREAS = [
  'journal',
  'Yjs',
  'transport',
  'GC',
  'sessions',
  'replication',
  'awareness',
  'metrics',
  'logging',
  'documents',
  'coordination',
  'history',
  'promises & timers',
  'tsx __name',
  'other',
] as const;
export type SplitArea = (typeof SPLIT_AREAS)[number];

/** Shares of busy self time by split area, summed over every profile of a directory. */
export interface ProfileSplit {
  /** Shares of the busy samples outside start-up (module loading), per area. */
  readonly shares: Record<SplitArea, number>;
  /** Share of all busy samples spent starting up (module loading, tsx), left out of `shares`. */
  readonly startupShare: number;
  /** Profiles read (one per thread of every node). */
  readonly files: number;
}

/** Which split area an `area()` name belongs to, null when it says nothing by itself (pure). */
export function splitAreaOf(areaName: string): SplitArea | null {
  if (areaName === 'ringdoc store') return 'journal';
  if (areaName === 'yjs' || areaName === 'lib0' || areaName === 'y-protocols') return 'Yjs';
  if (
    areaName === 'uWebSockets.js' ||
    areaName === 'ringdoc transport' ||
    areaName === 'ringdoc protocol'
  ) {
    return 'transport';
  }
  if (areaName === '(garbage collector)') return 'GC';
  if (areaName === 'native/builtin' || areaName === 'node internals' || areaName === 'other JS') {
    return null;
  }
  return NAMED_SPLITS[areaName] ?? 'other';
}

const NAMED_SPLITS: Readonly<Record<string, SplitArea>> = {
  'ringdoc sessions': 'sessions',
  'ringdoc replication': 'replication',
  awareness: 'awareness',
  'ringdoc metrics': 'metrics',
  'ringdoc logging': 'logging',
  'ringdoc documents': 'documents',
  'etcd client': 'coordination',
  'ringdoc history': 'history',
};

/** Node's promise-job and timer drivers: native time under them alone is their machinery. */
const MACHINERY =
  /^(processTicksAndRejections|runMicrotasks|processImmediate|listOnTimeout|processTimers)$/;

/** An empty count per split area, and `startup`. */
export function emptySplitCounts(): Record<SplitArea | 'startup', number> {
  const counts = { startup: 0 } as Record<SplitArea | 'startup', number>;
  for (const k of SPLIT_AREAS) counts[k] = 0;
  return counts;
}

const STARTUP = /node:internal\/modules|internal\/modules|node_modules\/tsx\/|source_map/;

/**
 * Adds the busy self-time samples of `profile` per split area into `counts` (pure). A sample in
 * native code or node internals (e.g. `fsync`, `writeBuffer`) is charged to the nearest caller
 * with an area (the store calling fsync is journal time); samples under module loading count as
 * `startup`.
 */
export function addSplit(
  profile: CpuProfile,
  counts: Record<SplitArea | 'startup', number>,
  window?: ProfileWindow,
): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const memo = new Map<number, SplitArea | 'startup'>();
  const classify = (id: number): SplitArea | 'startup' => {
    const known = memo.get(id);
    if (known) return known;
    let result: SplitArea | 'startup' = 'other';
    let machinery = false;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame) break;
      if (STARTUP.test(frame.url)) {
        result = 'startup';
        break;
      }
      if (at === id && frame.functionName === '__name') {
        result = 'tsx __name';
        break;
      }
      if (MACHINERY.test(frame.functionName)) machinery = true;
      const split = splitAreaOf(area(frame));
      if (split) {
        result = split;
        break;
      }
    }
    if (result === 'other' && machinery) result = 'promises & timers';
    memo.set(id, result);
    return result;
  };
  for (const id of samplesIn(profile, window)) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    counts[classify(id)]++;
  }
}

/**
 * The split over every `.cpuprofile` in `dir` (every node of the cluster), over the samples
 * inside `window` when given; null when there is no profile.
 */
export async function profileSplit(
  dir: string,
  window?: ProfileWindow,
): Promise<ProfileSplit | null> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  const counts = emptySplitCounts();
  for (const file of files) {
    addSplit(
      JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile,
      counts,
      window,
    );
  }
  const total = SPLIT_AREAS.reduce((a, k) => a + counts[k], 0);
  const shares = Object.fromEntries(
    SPLIT_AREAS.map((k) => [k, total ? counts[k] / total : 0]),
  ) as Record<SplitArea, number>;
  return {
    shares,
    startupShare: counts.startup / Math.max(1, total + counts.startup),
    files: files.length,
  };
}
