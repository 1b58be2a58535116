import { describe, expect, it } from 'vitest';
import { encodeRollout, parseRollout } from './codec.ts';
import {
  ackP95Between,
  DEFAULT_THRESHOLDS,
  findBreaches,
  type HealthSample,
  type NodeWindow,
  parseHealth,
  summarizeMoves,
  summarizeWindows,
} from './health.ts';
import { planRollout } from './machine.ts';

const METRICS = `# HELP ringdoc_closes_total Sockets closed
# TYPE ringdoc_closes_total counter
ringdoc_closes_total{code="4400"} 2
ringdoc_closes_total{code="4500"} 3
ringdoc_closes_total{code="4503"} 40
ringdoc_load_failures_total 3
ringdoc_durable_seconds_bucket{le="0.005"} 90
ringdoc_durable_seconds_bucket{le="0.01"} 99
ringdoc_durable_seconds_bucket{le="+Inf"} 100
ringdoc_event_loop_lag_p99_seconds 0.012
ringdoc_process_start_time_seconds 1700000000
ringdoc_build_info{build="1.2.3"} 1
`;

const sample = (over: Partial<HealthSample> = {}): HealthSample => ({
  ...parseHealth('', true),
  startTime: 1,
  ...over,
});
const win = (id: string, first: HealthSample, last: HealthSample, streak = 0): NodeWindow => ({
  id,
  first,
  last,
  notReadyStreak: streak,
});

describe('rollout health from /metrics', () => {
  it('reads edit-error closes (4400, 4500 only), load failures, ack buckets, lag, start time and build', () => {
    const h = parseHealth(METRICS, true);
    expect(h.errorCloses).toBe(5);
    expect(h.loadFailures).toBe(3);
    expect(h.ackBuckets).toEqual([
      [0.005, 90],
      [0.01, 99],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    expect(h.loopLagSeconds).toBe(0.012);
    expect(h.startTime).toBe(1700000000);
    expect(h.build).toBe('1.2.3');
    expect(parseHealth('garbage\n{{', false)).toMatchObject({ ready: false, errorCloses: 0 });
  });

  it('ack p95 is computed over the window only, and not from too few acks', () => {
    const a = sample({
      ackBuckets: [
        [0.005, 100],
        [0.05, 100],
        [Number.POSITIVE_INFINITY, 100],
      ],
    });
    const b = sample({
      ackBuckets: [
        [0.005, 100],
        [0.05, 200],
        [Number.POSITIVE_INFINITY, 200],
      ],
    });
    expect(ackP95Between(a, b)).toBe(50);
    expect(ackP95Between(a, a)).toBeNull();
  });

  it('a canary that fails loads the others do not is a breach; the same failures everywhere are not', () => {
    const t = DEFAULT_THRESHOLDS;
    const canary = win('n1', sample(), sample({ loadFailures: 4 }));
    const calm = win('n2', sample(), sample());
    expect(findBreaches([canary], [calm], t)).toEqual([
      'n1 failed 4 document loads (others at most 0; allowed +0)',
    ]);
    const noisy = win('n2', sample({ loadFailures: 10 }), sample({ loadFailures: 14 }));
    expect(findBreaches([canary], [noisy], t)).toEqual([]);
  });

  it('restarts, readiness, error closes, ack latency and loop lag each breach with their thresholds', () => {
    const t = DEFAULT_THRESHOLDS;
    const calm = win('n2', sample(), sample());
    expect(findBreaches([win('n1', sample(), sample({ startTime: 2 }))], [calm], t)).toEqual([
      'n1 restarted during its observation window',
    ]);
    expect(findBreaches([win('n1', sample(), sample(), 5)], [calm], t)[0]).toMatch(/not ready/);
    expect(findBreaches([win('n1', sample(), sample({ errorCloses: 3 }))], [calm], t)[0]).toMatch(
      /closed 3 sockets/,
    );
    expect(findBreaches([win('n1', sample(), sample({ errorCloses: 2 }))], [calm], t)).toEqual([]);
    const slow = sample({
      ackBuckets: [
        [0.1, 0],
        [0.25, 100],
        [Number.POSITIVE_INFINITY, 100],
      ],
    });
    expect(findBreaches([win('n1', sample(), slow)], [calm], t)).toEqual([]);
    expect(findBreaches([win('n1', sample(), slow)], [calm], { ...t, ackP95FloorMs: 100 })).toEqual(
      ['n1 ack p95 250 ms (limit 100 ms)'],
    );
    expect(findBreaches([win('n1', sample(), sample({ loopLagSeconds: 0.3 }))], [], t)[0]).toMatch(
      /event-loop lag p99 300 ms/,
    );
  });
});

describe('stored rollout records', () => {
  it('round-trip, and a bad record is refused with the field named', () => {
    const r = planRollout({
      id: 'r1',
      to: { build: '2', args: ['--x'] },
      current: { n1: { build: '1', args: [] } },
      observeMs: 5,
      now: 1,
    });
    if (r instanceof Error) throw r;
    expect(parseRollout(encodeRollout(r))).toEqual(r);
    expect((parseRollout('nope') as Error).message).toMatch(/not JSON/);
    expect((parseRollout(JSON.stringify({ ...r, phase: 'flying' })) as Error).message).toMatch(
      /unknown rollout phase "flying"/,
    );
    expect((parseRollout(JSON.stringify({ ...r, order: ['n7'] })) as Error).message).toMatch(
      /order/,
    );
  });
});

describe('step health in the history', () => {
  it("shows the step's moves: each node's ack p95 from before its first restart, a new process from its start", () => {
    const acks = (under25: number, under100: number) =>
      parseHealth(
        `ringdoc_durable_seconds_bucket{le="0.025"} ${under25}\nringdoc_durable_seconds_bucket{le="0.1"} ${under100}\nringdoc_durable_seconds_bucket{le="+Inf"} ${under100}`,
        true,
      );
    const before = new Map([
      ['n1', { ...acks(100, 100), startTime: 1 }],
      ['n2', { ...acks(100, 100), startTime: 1 }],
    ]);
    const after = new Map([
      // n1: 20 more acks, 5 of them over 25 ms during the moves → p95 100 ms
      ['n1', { ...acks(115, 120), startTime: 1 }],
      // n2 was restarted: its new process counted 10 acks, all under 25 ms
      ['n2', { ...acks(10, 10), startTime: 2 }],
    ]);
    expect(summarizeMoves(before, after, 12.34)).toBe(
      'moves over 12.3 s (restarts, warm-up): ack p95 n1 100 ms, n2 (new process) 25 ms',
    );
  });

  it('summarises each node over the window', () => {
    const first = parseHealth('ringdoc_load_failures_total 1', true);
    const last = parseHealth(
      'ringdoc_load_failures_total 3\nringdoc_durable_seconds_bucket{le="0.025"} 5\nringdoc_durable_seconds_bucket{le="+Inf"} 5\nringdoc_event_loop_lag_p99_seconds 0.004',
      true,
    );
    expect(summarizeWindows([{ id: 'n1', first, last, notReadyStreak: 0 }])).toBe(
      'n1 ack p95 25 ms, lag p99 4 ms, +2 load failures, +0 error closes',
    );
  });
});
