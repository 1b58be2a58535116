import type { CrashPlan } from '../items/crash.ts';
import type { ForwardingPlan } from '../items/forwarding.ts';
import type { MemoryPlan } from '../items/memory.ts';
import type { SweepPlan } from '../items/propagation.ts';
import type { RedirectPlan } from '../items/redirect.ts';
import type { ServerKind } from './wire.ts';

/** The peers as shipped (no persistence). */
export const SHIPPED_PEERS = ['y-websocket', 'hocuspocus-3', 'hocuspocus-4'] as const;
/** The peers with their own persistence (y-leveldb, the SQLite extension). */
export const DURABLE_PEERS = [
  'y-websocket-leveldb',
  'hocuspocus-3-sqlite',
  'hocuspocus-4-sqlite',
] as const;
/** The peers every item is compared with, in table order. */
export const PEERS = [...SHIPPED_PEERS, ...DURABLE_PEERS] as const;
export type Peer = (typeof PEERS)[number];
/** Ours as users run it (3 nodes, R = 2, durability replica) and one node beside it. */
export const OURS = ['ours', 'ours-1'] as const;

/** Column titles. */
export const LABELS: Record<ServerKind, string> = {
  ours: 'ours (3 nodes, R=2, replica)',
  'ours-1': 'ours (1 node)',
  'y-websocket': 'y-websocket-server 0.1.1',
  'y-websocket-leveldb': 'y-websocket-server 0.1.1 + y-leveldb 0.2.0',
  'hocuspocus-3': 'hocuspocus 3.4.4',
  'hocuspocus-3-sqlite': 'hocuspocus 3.4.4 + sqlite',
  'hocuspocus-4': 'hocuspocus 4.7.0',
  'hocuspocus-4-sqlite': 'hocuspocus 4.7.0 + sqlite',
  relay: 'uWS relay (floor)',
};

/** Everything that differs between a full run and `--quick`. */
export interface BenchPlan {
  readonly quick: boolean;
  /** Repetitions of every measured item per server (median reported). */
  readonly reps: number;
  readonly sweep: SweepPlan;
  readonly memory: Omit<MemoryPlan, 'docState' | 'measureUnloaded'> & {
    /** Keystrokes of the typing trace whose final state every loaded document holds. */
    readonly docKeystrokes: number;
    /** Measure ours' unloaded (encoded) idle documents too (waits for the ~30 s idle unload). */
    readonly unloaded: boolean;
  };
  readonly redirect: RedirectPlan;
  readonly forwarding: ForwardingPlan;
  readonly crash: CrashPlan;
  /** Run one extra CPU-profiled sweep of ours. */
  readonly profile: boolean;
  readonly fsyncSamples: number;
}

/** Full run: ≤ 15 min on 2 cores; quick: ≤ 2 min (smoke). */
export function benchPlan(quick: boolean): BenchPlan {
  if (quick) {
    return {
      quick,
      reps: 1,
      sweep: {
        docs: 200,
        busyRate: 400,
        busySeconds: 2,
        warmupSeconds: 1,
        ladder: [2_000, 8_000, 32_000],
        stepSeconds: 2,
        drainMs: 1_500,
        bisect: 0,
        overloadSeconds: 5,
        generators: 2,
        generatorCores: 1,
      },
      memory: {
        connections: 400,
        connectionDocs: 10,
        docs: 60,
        docKeystrokes: 4_000,
        unloaded: false,
      },
      redirect: { samples: 30, docs: 10 },
      forwarding: { samples: 30, docs: 10, warmup: 2_000 },
      crash: { docs: 10, leaseTtl: 5, timeoutMs: 20_000 },
      profile: true,
      fsyncSamples: 100,
    };
  }
  return {
    quick,
    reps: 3,
    sweep: {
      docs: 1_000,
      busyRate: 2_000,
      busySeconds: 8,
      warmupSeconds: 8,
      ladder: [4_000, 8_000, 16_000, 32_000, 64_000, 128_000],
      stepSeconds: 3,
      drainMs: 2_000,
      bisect: 2,
      overloadSeconds: 60,
      generators: 2,
      generatorCores: 1,
    },
    memory: {
      connections: 2_000,
      connectionDocs: 10,
      docs: 500,
      docKeystrokes: 10_000,
      unloaded: true,
    },
    redirect: { samples: 150, docs: 20 },
    forwarding: { samples: 150, docs: 20, warmup: 2_000 },
    crash: { docs: 50, leaseTtl: 5, timeoutMs: 20_000 },
    profile: true,
    fsyncSamples: 300,
  };
}

/** Keystrokes each editor's trace needs for every step of a sweep (with margin). */
export function keystrokesNeeded(sweep: SweepPlan): number {
  const top = Math.max(sweep.busyRate, ...sweep.ladder);
  const total =
    sweep.busyRate * (sweep.warmupSeconds + sweep.busySeconds) +
    sweep.ladder.reduce((a, r) => a + r, 0) * sweep.stepSeconds +
    sweep.bisect * top * sweep.stepSeconds +
    3 * (sweep.busyRate / 2) * sweep.stepSeconds +
    // The overload step (2x at most the top rate) and up to 10 recovery windows.
    2 * Math.min(top, 16 * sweep.busyRate) * sweep.overloadSeconds +
    10 * sweep.busyRate;
  return Math.ceil((total / (2 * sweep.docs)) * 1.2) + 200;
}
