/** Fixtures for the unit tests of the benchmark's pure parts (no I/O). */
import type { SweepResult } from '../../items/propagation.ts';
import type { StepResult } from '../load.ts';
import { benchPlan } from '../plan.ts';
import { COLUMNS, type Collected } from '../report.ts';
import type { RunEnvironment } from '../results.ts';
import type { ServerKind } from '../wire.ts';

const q = (p50: number, p99: number) => ({ count: 100, p50, p95: p99 * 0.9, p99, max: p99 * 2 });

export function fakeStep(overrides: Partial<StepResult> = {}): StepResult {
  return {
    rate: 1000,
    seconds: 2,
    sent: 2000,
    achievedRate: 1000,
    delivered: 2000,
    tokens: {
      sent: 2000,
      delivered: 2000,
      lost: 0,
      lostMidSequence: 0,
      duplicated: 0,
      acked: 2000,
    },
    propagation: q(2, 10),
    ack: q(1, 5),
    ackKind: 'durable ack',
    clientCpu: 0.3,
    generators: [
      { cpu: 0.15, wait: 0, lagP99: 1 },
      { cpu: 0.15, wait: 0, lagP99: 1 },
    ],
    clientBound: false,
    serverCpu: 0.5,
    serverCpuSeconds: 1,
    serverWait: 0,
    clientWait: 0,
    otherCpu: 0.1,
    clientLagP99: 1,
    blocked: 0,
    closedSockets: 0,
    closeCodes: {},
    redirects: 0,
    drainMs: 5,
    stepId: 0,
    undeliveredAtDrain: 0,
    ...overrides,
  };
}

export function fakeSweep(
  kind: ServerKind,
  sustained: number,
  busy: Partial<StepResult> = {},
): SweepResult {
  const step = fakeStep(busy);
  return {
    kind,
    busy: step,
    steps: [step],
    sustained,
    clientBound: false,
    connectSeconds: 1,
    serverProcesses: kind === 'ours' ? 3 : 1,
    generatorProcesses: 2,
    overload: null,
    machineBusy: false,
  };
}

export function fakeCollected(sweeps: readonly SweepResult[]): Collected {
  return {
    plan: benchPlan(true),
    sweeps: new Map(sweeps.map((s) => [s.kind, [s]])),
    memory: new Map(),
    redirect: [],
    crash: [],
    relaySweep: null,
    relayMemory: null,
    redirectFloor: null,
    fsync: null,
    ringLines: [],
    moveLines: [],
    errors: [],
    // Like a run given `--servers`: every column without a sweep says `not run`.
    unavailable: new Map(
      COLUMNS.filter((k) => !sweeps.some((s) => s.kind === k)).map((k) => [k, 'not run']),
    ),
    profile: null,
    encodedDocBytes: 1000,
    editorTrace: null,
    docTrace: null,
  };
}

export function fakeEnvironment(overrides: Partial<RunEnvironment> = {}): RunEnvironment {
  return {
    name: 'quick',
    startedAt: '2026-12-04T22:00:00.000Z',
    durationSeconds: 100,
    node: 'v20.20.2',
    cpus: 2,
    cpuModel: 'test cpu',
    kernel: '6.1',
    loadBefore: [0.5, 0.5, 0.5],
    loadAfter: [0.6, 0.5, 0.5],
    niceness: null,
    serverCore: 0,
    generatorCore: 1,
    generators: 2,
    tmpdir: '/tmp',
    ...overrides,
  };
}
