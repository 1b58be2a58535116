import { describe, expect, it } from 'vitest';
import {
  countersBetween,
  DEFAULT_WEB_THRESHOLDS,
  findWebBreaches,
  parseBuildCounters,
  sumCounters,
} from './web-health.ts';

const node = (lines: string[]) => parseBuildCounters(lines.join('\n'));
const ZERO = {
  sessions: 0,
  upgradeRequired: 0,
  protocolRefused: 0,
  refused: 0,
  protocolErrors: 0,
  acks: 0,
  ackSeconds: 0,
  slowAcks: 0,
};

describe('web build health', () => {
  it('sums the per-build counters of every node', () => {
    const a = node([
      '# HELP ringdoc_client_build_sessions_total x',
      'ringdoc_client_build_sessions_total{build="1.0"} 5',
      'ringdoc_client_build_upgrade_required_total{build="1.1"} 2',
      'ringdoc_client_build_protocol_refused_total{build="1.1"} 2',
      'ringdoc_client_build_refused_total{build="1.0",code="4503"} 1',
      'ringdoc_closes_total{code="4400"} 9',
    ]);
    const b = node(['ringdoc_client_build_sessions_total{build="1.0"} 3']);
    const sum = sumCounters([a, b]);
    expect(sum.get('1.0')).toEqual({ ...ZERO, sessions: 8, refused: 1 });
    expect(sum.get('1.1')).toEqual({ ...ZERO, upgradeRequired: 2, protocolRefused: 2 });
    const later = sumCounters([node(['ringdoc_client_build_sessions_total{build="1.0"} 10'])]);
    expect(countersBetween(sum, later, '1.0').sessions).toBe(2);
    expect(countersBetween(sum, later, '1.1')).toEqual(ZERO);
  });

  it('breaches on any protocol refusal of the new build', () => {
    const breaches = findWebBreaches(
      { build: '1.1', counters: { ...ZERO, sessions: 2, upgradeRequired: 2, protocolRefused: 2 } },
      { build: '1.0', counters: { ...ZERO, sessions: 40 } },
      DEFAULT_WEB_THRESHOLDS,
    );
    expect(breaches[0]).toBe(
      'build 1.1: 2 handshakes refused for their protocol version (build 1.0: 0; allowed +0)',
    );
    expect(breaches[1]).toMatch(/2 of 2 sessions told to reload \(100 %.*a reload loop/);
  });

  it('judges reloads and refusals as rates against the stable build, past a minimum count', () => {
    const healthy = findWebBreaches(
      { build: '1.1', counters: { ...ZERO, sessions: 10, upgradeRequired: 1 } },
      { build: '1.0', counters: { ...ZERO, sessions: 10 } },
      DEFAULT_WEB_THRESHOLDS,
    );
    expect(healthy).toEqual([]);
    const sameAsStable = findWebBreaches(
      { build: '1.1', counters: { ...ZERO, sessions: 10, refused: 5 } },
      { build: '1.0', counters: { ...ZERO, sessions: 10, refused: 4 } },
      DEFAULT_WEB_THRESHOLDS,
    );
    expect(sameAsStable).toEqual([]);
    const worse = findWebBreaches(
      { build: '1.1', counters: { ...ZERO, sessions: 10, refused: 8 } },
      { build: '1.0', counters: { ...ZERO, sessions: 10, refused: 1 } },
      DEFAULT_WEB_THRESHOLDS,
    );
    expect(worse).toEqual([
      'build 1.1: 8 of 10 sessions refused at connect (80 %; build 1.0: 10 %; allowed +30 %)',
    ]);
    expect(
      findWebBreaches(
        { build: '1.1', counters: ZERO },
        { build: '1.0', counters: ZERO },
        DEFAULT_WEB_THRESHOLDS,
      ),
    ).toEqual([]);
  });

  it('judges slow acks as a share against the stable build, from 20 acks', () => {
    const t = DEFAULT_WEB_THRESHOLDS;
    const stableAcks = { ...ZERO, sessions: 5, acks: 100, ackSeconds: 2, slowAcks: 2 };
    expect(
      findWebBreaches(
        { build: '1.1', counters: { ...ZERO, sessions: 1, acks: 10, ackSeconds: 9, slowAcks: 10 } },
        { build: '1.0', counters: stableAcks },
        t,
      ),
    ).toEqual([]);
    expect(
      findWebBreaches(
        {
          build: '1.1',
          counters: { ...ZERO, sessions: 2, acks: 40, ackSeconds: 20, slowAcks: 30 },
        },
        { build: '1.0', counters: stableAcks },
        t,
      ),
    ).toEqual(['build 1.1: 30 of 40 acks over 250 ms (75 %; build 1.0: 2 %; allowed +20 %)']);
    const parsed = parseBuildCounters(
      [
        'ringdoc_client_build_acks_total{build="1.1"} 4',
        'ringdoc_client_build_ack_seconds_total{build="1.1"} 0.2',
        'ringdoc_client_build_slow_acks_total{build="1.1"} 1',
      ].join('\n'),
    );
    expect(parsed.get('1.1')).toEqual({ ...ZERO, acks: 4, ackSeconds: 0.2, slowAcks: 1 });
  });

  it('judges protocol errors after admission as a share of sessions against the stable build', () => {
    const t = DEFAULT_WEB_THRESHOLDS;
    const parsed = parseBuildCounters(
      [
        'ringdoc_client_build_sessions_total{build="1.1"} 6',
        'ringdoc_client_build_protocol_errors_total{build="1.1"} 3',
      ].join('\n'),
    );
    expect(parsed.get('1.1')).toEqual({ ...ZERO, sessions: 6, protocolErrors: 3 });
    const stable = { ...ZERO, sessions: 50, protocolErrors: 1 };
    expect(
      findWebBreaches(
        { build: '1.1', counters: parsed.get('1.1') ?? ZERO },
        { build: '1.0', counters: stable },
        t,
      ),
    ).toEqual([
      'build 1.1: 3 of 6 sessions closed for a protocol error (50 %; build 1.0: 2 %; allowed +10 %)',
    ]);
    // One error is no verdict (minEvents), nor is a rate like the stable build's.
    expect(
      findWebBreaches(
        { build: '1.1', counters: { ...ZERO, sessions: 1, protocolErrors: 1 } },
        { build: '1.0', counters: stable },
        t,
      ),
    ).toEqual([]);
    expect(
      findWebBreaches(
        { build: '1.1', counters: { ...ZERO, sessions: 40, protocolErrors: 2 } },
        { build: '1.0', counters: { ...ZERO, sessions: 40, protocolErrors: 2 } },
        t,
      ),
    ).toEqual([]);
  });
});
