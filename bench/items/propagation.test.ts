import { describe, expect, it } from 'vitest';
import { fakeStep } from '../lib/testing/fixtures.ts';
import { stepFailure } from './propagation.ts';

const tokens = { sent: 10, delivered: 10, lost: 0, lostMidSequence: 0, duplicated: 0, acked: 10 };

describe('stepFailure (what a sustained step requires)', () => {
  it('passes a clean step', () => {
    expect(stepFailure(fakeStep())).toBeNull();
  });

  it('fails a step with a token lost mid-sequence, whatever the counts', () => {
    const step = fakeStep({ tokens: { ...tokens, delivered: 9, lost: 1, lostMidSequence: 1 } });
    expect(stepFailure(step)).toMatch(/1 tokens lost mid-sequence/);
  });

  it('fails duplicated tokens and tokens late at the drain', () => {
    expect(stepFailure(fakeStep({ tokens: { ...tokens, duplicated: 2 } }))).toMatch(/duplicated/);
    expect(stepFailure(fakeStep({ undeliveredAtDrain: 3 }))).toMatch(/within the step's drain/);
  });

  it('requires ack p95 < 20 ms, naming what stands in for the ack', () => {
    const ack = { count: 10, p50: 5, p95: 25, p99: 30, max: 40 };
    expect(stepFailure(fakeStep({ ack, ackKind: 'echo' }))).toBe('echo p95 25 ms');
    expect(stepFailure(fakeStep({ ack: null, ackKind: 'none' }))).toBeNull();
  });

  it('names the close codes of closed sockets', () => {
    expect(stepFailure(fakeStep({ closedSockets: 2, closeCodes: { 4429: 2 } }))).toMatch(
      /2 sockets closed \(codes \{"4429":2\}\)/,
    );
  });
});
