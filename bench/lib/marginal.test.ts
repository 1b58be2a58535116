import { describe, expect, it } from 'vitest';
import { averageMicros, type CpuStep, marginalCpu, updatesPerSecond } from './marginal.ts';

/** A step of `seconds` at `rate` whose servers used `cores` (drain included in `seconds`). */
const step = (rate: number, cores: number, passed = true, seconds = 10): CpuStep => ({
  rate,
  sent: rate * seconds,
  serverCpu: cores,
  serverCpuSeconds: cores * seconds,
  passed,
});

describe('marginal CPU per update', () => {
  it('is the slope between the two lowest passing steps, not the average', () => {
    // 0.1 core idle + 200 µs per update: 400/s → 0.18 core, 2,000/s → 0.5 core
    const steps = [step(400, 0.18), step(2000, 0.5), step(4000, 0.8, false)];
    const m = marginalCpu(steps, step(0, 0.1));
    expect(m.marginalMicros).toBeCloseTo(200, 6);
    expect(m.between).toEqual([400, 2000]);
    expect(m.idleCores).toBeCloseTo(0.1, 9);
    expect(m.upperFailed).toBe(false);
    // the average at 400/s carries the idle 0.1 core: 450 µs
    expect(averageMicros(steps[0]!)).toBeCloseTo(450, 6);
  });

  it('takes the lowest failing step above the only passing one, and says so', () => {
    const m = marginalCpu([step(400, 0.18), step(2000, 0.5, false), step(900, 0.28, false)], null);
    expect(m.between).toEqual([400, 900]);
    expect(m.marginalMicros).toBeCloseTo(200, 6);
    expect(m.upperFailed).toBe(true);
    expect(m.idleCores).toBeNull();
  });

  it('falls back to the idle step when no step passed', () => {
    const m = marginalCpu([step(2000, 0.5, false), step(400, 0.18, false)], step(0, 0.1));
    expect(m.between).toEqual([0, 400]);
    expect(m.marginalMicros).toBeCloseTo(200, 6);
  });

  it('uses the updates carried over the wall time (drain included), and repeated rates once', () => {
    // 4,000 updates in 8 s of sending + 2 s of drain: 400/s over the step's wall time
    const s = { rate: 500, sent: 4000, serverCpu: 0.3, serverCpuSeconds: 3, passed: true };
    expect(updatesPerSecond(s)).toBeCloseTo(400, 9);
    const m = marginalCpu([s, { ...s }, step(2000, 0.7)], null);
    expect(m.between).toEqual([500, 2000]);
    expect(m.marginalMicros).toBeCloseTo((0.4 / 1600) * 1e6, 6);
  });

  it('has no slope without two steps that differ', () => {
    expect(marginalCpu([step(400, 0.3)], null)).toMatchObject({
      marginalMicros: null,
      between: null,
    });
    expect(marginalCpu([], step(0, 0.1)).idleCores).toBeCloseTo(0.1, 9);
    expect(updatesPerSecond(step(0, 0.1))).toBe(0);
  });

  it('never takes a saturated step (its CPU cannot grow with the rate): idle and the lowest instead', () => {
    // 400/s passed; the failing 2,000/s step ran its core flat out
    const m = marginalCpu([step(400, 0.3), step(2000, 0.97, false)], step(0, 0.1));
    expect(m.between).toEqual([0, 400]);
    expect(m.marginalMicros).toBeCloseTo(500, 6);
    expect(m.upperFailed).toBe(false);
  });
});
