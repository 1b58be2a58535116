import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, planSchedule, runChaos } from '../harness/chaos.ts';

/** Pinned: its schedule opens with every fault kind (replay with `scripts/chaos.ts --seed 7`). */
const SEED = 7;
const LOGS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results');

describe('chaos: a seeded fault schedule against a real cluster', () => {
  it('the same seed plans the same schedule, opening with every fault kind once', () => {
    const options = { seed: SEED, faults: 30, initialNodes: ['n1', 'n2', 'n3'], leaseTtlS: 2 };
    const schedule = planSchedule(options);
    expect(planSchedule(options)).toEqual(schedule);
    expect(planSchedule({ ...options, seed: SEED + 1 })).not.toEqual(schedule);
    expect(
      schedule
        .slice(0, FAULT_KINDS.length)
        .map((f) => f.kind)
        .sort(),
    ).toEqual([...FAULT_KINDS].sort());
    let members = 3;
    for (const fault of schedule) {
      if (fault.kind === 'add') members++;
      if (fault.kind === 'drain') members--;
      expect(members).toBeGreaterThanOrEqual(2);
      expect(members).toBeLessThanOrEqual(4);
    }
  });

  it('[M3][M4][M5][R6] kill -9, SIGSTOP past the lease, join, drain and an etcd restart while 24 editors type: every acked token exactly once in every replica and editor, equal state vectors, no phantoms', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      seed: SEED,
      docs: 12,
      editorsPerDoc: 2,
      durationMs: 40_000,
      logsDir: path.join(LOGS, `chaos-${SEED}`),
      log: (line) => lines.push(line),
    }).finally(() => console.log(lines.join('\n')));
    expect(report.violations).toEqual([]);
    expect(new Set(report.executed.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    expect(report.acked).toBe(report.typed);
  }, 180_000);
});
