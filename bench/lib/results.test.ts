import { describe, expect, it } from 'vitest';
import type { SplitArea } from './profile.ts';
import { renderMarkdown, resultsJson, toResults } from './results.ts';
import { fakeCollected, fakeEnvironment, fakeStep, fakeSweep } from './testing/fixtures.ts';

const figureRow = (md: string, metric: string) =>
  md.split('\n').find((l) => l.startsWith(`| ${metric}`)) ?? '';

describe('results: JSON and the Markdown rendered from it', () => {
  it('renders every server of the run in the figures, with a ratio and a verdict', () => {
    const c = fakeCollected([
      fakeSweep('ours', 20_000),
      fakeSweep('y-websocket', 5_000),
      fakeSweep('y-websocket-leveldb', 3_000),
    ]);
    const md = renderMarkdown(JSON.parse(resultsJson(toResults(c, fakeEnvironment()))));
    const row = figureRow(md, 'updates/s sustained');
    expect(row).toContain('20,000/s');
    expect(row).toContain('6.67x vs y-websocket-leveldb');
    expect(row).toContain('4.00x vs y-websocket');
    expect(row).toMatch(/\| PASS/);
  });

  it('generates the notes from the measured numbers (a FAIL names its cause)', () => {
    const slow = fakeCollected([
      fakeSweep('ours', 1_000, {
        propagation: { count: 9, p50: 50, p95: 90, p99: 300, max: 400 },
        rate: 2_000,
        achievedRate: 2_000,
      }),
      fakeSweep('y-websocket', 4_000),
    ]);
    const results = toResults(slow, fakeEnvironment());
    const note = results.notes.find((n) => n.startsWith('FAIL: updates/s sustained'));
    expect(note).toContain("ours' lowest failing step 2,000/s failed on: p99 300 ms");
    // y-websocket is a peer as shipped: the goal is 2x its 4,000/s, 125 µs per update
    expect(note).toContain(
      'the goal asks for ≥ 8,000 updates/s on one core: 125.0 µs of CPU per update',
    );
    const fast = toResults(
      fakeCollected([fakeSweep('ours', 9_000), fakeSweep('y-websocket', 4_000)]),
      fakeEnvironment(),
    );
    expect(fast.notes.find((n) => n.includes('updates/s sustained'))).toMatch(/^PASS/);
  });

  it('says when applying updates with Yjs alone costs more than the sustained goal leaves per update', () => {
    const c = fakeCollected([fakeSweep('ours', 1_000), fakeSweep('y-websocket', 20_000)]);
    // 2x y-websocket's 20,000/s: 40,000/s, 25 µs per update; the profile: 100 µs, Yjs 30 %
    c.profile = {
      scenario: 'test',
      summary: { busyShare: 0.5, functions: [], areas: [] },
      split: {
        shares: { Yjs: 0.3, journal: 0.7 } as Record<SplitArea, number>,
        startupShare: 0,
        files: 3,
      },
      updates: 10_000,
      serverCpuSeconds: 1,
    };
    const note = toResults(c, fakeEnvironment()).notes.find((n) =>
      n.startsWith('FAIL: updates/s sustained'),
    );
    expect(note).toContain(
      'the goal asks for ≥ 40,000 updates/s on one core: 25.0 µs of CPU per update for all three nodes together, less than applying the update with Yjs costs in the profile alone (30.0 µs)',
    );
  });

  it('records load and CPU count, and says when the machine was contended', () => {
    const busy = toResults(
      fakeCollected([fakeSweep('ours', 1)]),
      fakeEnvironment({ loadBefore: [9, 5, 3] }),
    );
    expect(busy.environment.cpus).toBe(2);
    expect(busy.notes[0]).toMatch(/^Machine contended \(load average 9\.00 5\.00 3\.00/);
    const md = renderMarkdown(JSON.parse(resultsJson(busy)));
    expect(md).toContain('**the machine was contended**');
  });

  it('names the commit it measured, when the run recorded one', () => {
    const c = fakeCollected([fakeSweep('ours', 1)]);
    const md = renderMarkdown(
      JSON.parse(resultsJson(toResults(c, fakeEnvironment({ commit: '8099a75-dirty' })))),
    );
    expect(md).toContain('run of `bench/run.ts` at commit `8099a75-dirty`, started');
    const older = renderMarkdown(JSON.parse(resultsJson(toResults(c, fakeEnvironment()))));
    expect(older).toContain('run of `bench/run.ts`, started');
  });

  it('names the environment every server ran with, when the run recorded it', () => {
    const c = fakeCollected([fakeSweep('ours', 1)]);
    const md = renderMarkdown(
      JSON.parse(
        resultsJson(toResults(c, fakeEnvironment({ serverEnv: { MALLOC_ARENA_MAX: '1' } }))),
      ),
    );
    expect(md).toContain(
      'Every server process, ours and the peers alike, runs with `MALLOC_ARENA_MAX=1`',
    );
    const older = renderMarkdown(JSON.parse(resultsJson(toResults(c, fakeEnvironment()))));
    expect(older).not.toContain('ours and the peers alike');
  });

  it('says how long every server was warmed up before the measured steps, when the plan had a warm-up', () => {
    const c = fakeCollected([fakeSweep('ours', 1)]);
    const md = renderMarkdown(JSON.parse(resultsJson(toResults(c, fakeEnvironment()))));
    expect(md).toContain(
      `Each server first takes ${c.plan.sweep.warmupSeconds} s of edits at the busy rate that are not measured`,
    );
    const json = JSON.parse(resultsJson(toResults(c, fakeEnvironment())));
    delete json.collected.plan.sweep.warmupSeconds;
    expect(renderMarkdown(json)).not.toContain('first takes');
  });

  it('says why a server could not run, from the recorded reason', () => {
    const c = fakeCollected([fakeSweep('ours', 1)]);
    c.unavailable.set(
      'hocuspocus-3-sqlite',
      'n/a: native part not installed: no node_sqlite3.node',
    );
    const md = renderMarkdown(JSON.parse(resultsJson(toResults(c, fakeEnvironment()))));
    expect(md).toContain('hocuspocus 3.4.4 + sqlite: n/a: native part not installed');
  });

  it('renders JSON whose NaN figures became null without throwing', () => {
    const c = fakeCollected([
      fakeSweep('ours', 0, { propagation: { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN } }),
    ]);
    const json = resultsJson(toResults(c, fakeEnvironment()));
    const parsed = JSON.parse(json);
    expect(parsed.collected.sweeps.ours[0].busy.propagation.p99).toBeNull();
    expect(() => renderMarkdown(parsed)).not.toThrow();
  });

  it('renders the idle CPU and the marginal CPU per update beside the average, for every server', () => {
    // 10-s steps (drain included): 0.1 core idle + 200 µs per update for ours, 0.02 + 100 µs for y-websocket
    const at = (rate: number, idle: number, perUpdate: number, passed = true) =>
      fakeStep({
        rate,
        sent: rate * 10,
        achievedRate: rate,
        serverCpu: idle + (rate * perUpdate) / 1e6,
        serverCpuSeconds: (idle + (rate * perUpdate) / 1e6) * 10,
        ...(passed ? {} : { propagation: { count: 9, p50: 50, p95: 90, p99: 300, max: 400 } }),
      });
    const sweep = (kind: 'ours' | 'y-websocket', idle: number, perUpdate: number) => ({
      ...fakeSweep(kind, 2000),
      busy: at(400, idle, perUpdate),
      steps: [
        at(400, idle, perUpdate),
        at(2000, idle, perUpdate),
        at(4000, idle, perUpdate, false),
      ],
      idle: fakeStep({ rate: 0, sent: 0, serverCpu: idle, serverCpuSeconds: idle * 10 }),
    });
    const c = fakeCollected([sweep('ours', 0.1, 200), sweep('y-websocket', 0.02, 100)]);
    const results = toResults(c, fakeEnvironment());
    const md = renderMarkdown(JSON.parse(resultsJson(results)));
    const ours = md
      .split('\n')
      .find((l) => l.startsWith('| ours (3 nodes') && l.includes('of a core'));
    expect(ours).toBe(
      '| ours (3 nodes, R=2, replica) | 10.0% of a core | 450 µs at 400/s | 250 µs | 200 µs | 400/s → 2,000/s |',
    );
    const ws = md.split('\n').find((l) => l.startsWith('| y-websocket') && l.includes('of a core'));
    expect(ws).toContain('| 2.0% of a core | 150 µs at 400/s | 50 µs | 100 µs |');
    const note = results.notes.find((n) =>
      n.startsWith('CPU per update, average against marginal'),
    );
    expect(note).toContain(
      'idle 10.0% of a core (250.0 µs of its 450.0 µs average at 400/s), 200.0 µs per extra update between 400/s and 2,000/s',
    );
  });

  it('renders results written before the idle step without a marginal idle figure', () => {
    const md = renderMarkdown(
      JSON.parse(
        resultsJson(toResults(fakeCollected([fakeSweep('ours', 1000)]), fakeEnvironment())),
      ),
    );
    expect(md).toContain('| ours (3 nodes, R=2, replica) | – |');
  });
});
