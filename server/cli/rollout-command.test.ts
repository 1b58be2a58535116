import { describe, expect, it } from 'vitest';
import { applyInput, planRollout } from '../rollout/machine.ts';
import { applyWebInput, planWebRollout } from '../rollout/web-machine.ts';
import { UsageError } from './errors.ts';
import { main } from './main.ts';
import { parseThresholds, renderRollout } from './rollout-command.ts';
import { parseWebThresholds, renderWebRollout } from './web-rollout-command.ts';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), env: {} },
  };
};

describe('ringdoc rollout (arguments and output)', () => {
  it('parses thresholds over the defaults and refuses unknown names and bad numbers', () => {
    expect(parseThresholds('loadFailures=1, warmupMs=0')).toEqual({ loadFailures: 1, warmupMs: 0 });
    expect(parseThresholds('')).toEqual({});
    expect(() => parseThresholds('lodFailures=1')).toThrow(UsageError);
    expect(() => parseThresholds('loadFailures=-1')).toThrow(/needs a number >= 0/);
    expect(() => parseThresholds('loadFailures')).toThrow(/needs a number/);
  });

  it('renders phase, steps, builds per node, the reason and the history', () => {
    const plan = planRollout({
      id: 'r1',
      to: { build: '0.2.0', args: [] },
      current: { n1: { build: '0.1.0', args: [] }, n2: { build: '0.1.0', args: [] } },
      observeMs: 30_000,
      now: 0,
    });
    if (plan instanceof Error) throw plan;
    const r = applyInput(plan, { type: 'abort' }, 1000);
    const text = renderRollout(r, { n1: '0.1.0 (active)', n2: '0.1.0 (active)' });
    expect(text).toMatch(/rollout r1: rolled-back — to build 0\.2\.0/);
    expect(text).toMatch(/step 1\/2 \(1 → 2 nodes\), observe 30 s per step/);
    expect(text).toMatch(/n1 +runs 0\.1\.0 \(active\) \(was 0\.1\.0\)/);
    expect(text).toMatch(/reason: aborted by operator/);
  });

  it('refuses an unknown verb or a bad build with a usage error (exit 2) and nothing written', async () => {
    const a = io();
    expect(await main(['rollout', 'sideways'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/expected one of nodes, web, status, pause, resume, abort/);
    const b = io();
    expect(await main(['rollout', 'nodes', '--to', 'bad build!'], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/is not a build id/);
  });

  it('refuses bad web rollout arguments with a usage error before touching etcd', async () => {
    const a = io();
    expect(await main(['rollout', 'web', '--to', '0.2.0', '--share', '50,10'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/--share: the percentages must rise/);
    const b = io();
    expect(await main(['rollout', 'pause', 'sideways'], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/expected nodes or web/);
    expect(parseWebThresholds('reloadRatio=0.5')).toEqual({ reloadRatio: 0.5 });
    expect(() => parseWebThresholds('errorCloses=1')).toThrow(/unknown web threshold/);
  });

  it('renders the web builds served, the steps, the reason and the history', () => {
    const plan = planWebRollout({
      id: 'w1',
      from: { build: '0.1.0', url: 'http://127.0.0.1:3001', pid: 1 },
      to: '0.2.0',
      shares: [10, 100],
      observeMs: 5000,
      protocolChange: true,
      now: 0,
    });
    if (plan instanceof Error) throw plan;
    const r = applyWebInput(plan, { type: 'abort' }, 1000);
    const text = renderWebRollout(r, {
      version: 1,
      stable: { build: '0.1.0', url: 'http://127.0.0.1:3001', pid: 1 },
      canary: { build: '0.2.0', url: 'http://127.0.0.1:3002', pid: 2, share: 10 },
    });
    expect(text).toMatch(/web builds served: 0\.1\.0 \(stable.*0\.2\.0 \(10 % of new browsers/);
    expect(text).toMatch(/web rollout w1: rolling-back — 0\.1\.0 → 0\.2\.0 \(protocol change\)/);
    expect(text).toMatch(/step 1\/2 \(10 → 100 %\)/);
    expect(text).toMatch(/reason: aborted by operator/);
    expect(renderWebRollout(null, null)).toMatch(/no web gateway routing in etcd\nno web rollout/);
  });
});
