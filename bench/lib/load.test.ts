import { describe, expect, it } from 'vitest';
import type { GeneratorStep } from './editors.ts';
import { mergeStep, shares, withFinalTokens } from './load.ts';
import { fakeStep } from './testing/fixtures.ts';

const part = (overrides: Partial<GeneratorStep>): GeneratorStep => ({
  stepId: 3,
  sent: 100,
  blocked: 0,
  propagation: new Float64Array([1, 2, 3]),
  ack: new Float64Array([1]),
  tokens: { sent: 100, delivered: 100, lost: 0, lostMidSequence: 0, duplicated: 0, acked: 100 },
  cpu: 0.2,
  wait: 0.01,
  lagP99: 2,
  drainMs: 10,
  closeCodes: {},
  redirects: 0,
  ...overrides,
});
const server = { cpu: 0.5, wait: 0.1, other: 0.6, wall: 2 };

describe('mergeStep (the load generator over processes)', () => {
  it('merges raw per-token latencies, not per-process quantiles', () => {
    const merged = mergeStep(
      200,
      1,
      [
        part({ propagation: new Float64Array(99).fill(1) }),
        part({ propagation: new Float64Array([500]) }),
      ],
      'durable ack',
      server,
      1,
    );
    expect(merged.propagation.count).toBe(100);
    expect(merged.propagation.p99).toBe(1);
    expect(merged.propagation.max).toBe(500);
  });

  it('sums tokens and close codes and keeps each process CPU', () => {
    const lost = {
      sent: 100,
      delivered: 98,
      lost: 2,
      lostMidSequence: 1,
      duplicated: 1,
      acked: 90,
    };
    const merged = mergeStep(
      200,
      1,
      [part({ tokens: lost, closeCodes: { 4429: 2 } }), part({ closeCodes: { 4429: 1, 1006: 1 } })],
      'echo',
      server,
      1,
    );
    expect(merged.tokens).toEqual({
      sent: 200,
      delivered: 198,
      lost: 2,
      lostMidSequence: 1,
      duplicated: 1,
      acked: 190,
    });
    expect(merged.closeCodes).toEqual({ 4429: 3, 1006: 1 });
    expect(merged.closedSockets).toBe(4);
    expect(merged.generators.map((g) => g.cpu)).toEqual([0.2, 0.2]);
    expect(merged.undeliveredAtDrain).toBe(2);
    expect(merged.serverCpuSeconds).toBe(1);
    expect(merged.otherCpu).toBeCloseTo(0.2);
  });

  it('flags a step client-bound when one process or all together saturate their cores', () => {
    const one = mergeStep(1, 1, [part({ cpu: 0.95 }), part({ cpu: 0.01 })], 'none', server, 2);
    const together = mergeStep(1, 1, [part({ cpu: 0.5 }), part({ cpu: 0.45 })], 'none', server, 1);
    const neither = mergeStep(1, 1, [part({ cpu: 0.5 }), part({ cpu: 0.45 })], 'none', server, 2);
    expect([one.clientBound, together.clientBound, neither.clientBound]).toEqual([
      true,
      true,
      false,
    ]);
    expect(one.ack).toBeNull();
  });

  it('replaces the counts at drain time by the final per-token counts', () => {
    const step = fakeStep({ stepId: 1, undeliveredAtDrain: 5 });
    const final = { sent: 10, delivered: 9, lost: 1, lostMidSequence: 1, duplicated: 0, acked: 9 };
    const out = withFinalTokens(step, [step.tokens, final]);
    expect(out.tokens).toBe(final);
    expect(out.undeliveredAtDrain).toBe(5);
  });

  it('splits documents round-robin over processes', () => {
    expect(shares([1, 2, 3, 4, 5], 2)).toEqual([
      [1, 3, 5],
      [2, 4],
    ]);
    expect(shares([1], 3)).toEqual([[1]]);
  });
});
