import { describe, expect, it } from 'vitest';
import { renderMarkdown, resultsJson, toResults } from './results.ts';
import { fakeCollected, fakeEnvironment, fakeSweep } from './testing/fixtures.ts';

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
    const fast = toResults(
      fakeCollected([fakeSweep('ours', 9_000), fakeSweep('y-websocket', 4_000)]),
      fakeEnvironment(),
    );
    expect(fast.notes.find((n) => n.includes('updates/s sustained'))).toMatch(/^PASS/);
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
});
