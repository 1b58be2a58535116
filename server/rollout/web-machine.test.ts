import { describe, expect, it } from 'vitest';
import { parseWebRollout } from './web-codec.ts';
import {
  applyWebInput,
  nextWebAction,
  parseShares,
  planWebRollout,
  type WebRollout,
  type WebRolloutInput,
} from './web-machine.ts';

const from = { build: '1.0.0', url: 'http://127.0.0.1:3001', pid: 11 };
const to = { build: '1.1.0', url: 'http://127.0.0.1:3002', pid: 12 };

function plan(protocolChange = false): WebRollout {
  const r = planWebRollout({
    id: 'w1',
    from,
    to: '1.1.0',
    shares: [10, 50, 100],
    observeMs: 1000,
    protocolChange,
    now: 0,
  });
  if (r instanceof Error) throw r;
  return r;
}

const run = (r: WebRollout, ...inputs: WebRolloutInput[]) =>
  inputs.reduce((acc, input, i) => applyWebInput(acc, input, i + 1), r);

describe('web rollout state machine', () => {
  it('starts the upstream, raises the share step by step, then promotes', () => {
    let r = plan();
    expect(nextWebAction(r)).toEqual({ kind: 'start-upstream' });
    r = run(r, { type: 'upstream-started', upstream: to });
    expect(nextWebAction(r)).toEqual({ kind: 'set-share', share: 10 });
    r = run(r, { type: 'share-set', share: 10 });
    expect(nextWebAction(r)).toEqual({ kind: 'observe' });
    r = run(r, { type: 'healthy', summary: 'ok' });
    expect(nextWebAction(r)).toEqual({ kind: 'set-share', share: 50 });
    r = run(r, { type: 'share-set', share: 50 }, { type: 'healthy', summary: 'ok' });
    r = run(r, { type: 'share-set', share: 100 }, { type: 'healthy', summary: 'ok' });
    expect(r.phase).toBe('promoting');
    expect(nextWebAction(r)).toEqual({ kind: 'promote' });
    r = run(r, { type: 'promoted', minClientBuild: null });
    expect(r.phase).toBe('succeeded');
    expect(nextWebAction(r)).toEqual({ kind: 'done' });
  });

  it('rolls back on a breach with the reason, and on an upstream that does not start', () => {
    let r = run(
      plan(),
      { type: 'upstream-started', upstream: to },
      { type: 'share-set', share: 10 },
      { type: 'breach', reasons: ['build 1.1.0: 3 handshakes refused'], summary: 's' },
    );
    expect(r.phase).toBe('rolling-back');
    expect(r.reason).toBe('health breach: build 1.1.0: 3 handshakes refused');
    expect(nextWebAction(r)).toEqual({ kind: 'roll-back' });
    r = run(r, { type: 'rolled-back' });
    expect(r.phase).toBe('rolled-back');
    expect(r.share).toBe(0);
    const failed = run(plan(), { type: 'upstream-failed', error: 'exited' });
    expect(failed.reason).toBe('build 1.1.0 did not start: exited');
  });

  it('pauses, resumes and aborts only while starting or observing', () => {
    let r = run(plan(), { type: 'upstream-started', upstream: to }, { type: 'pause' });
    expect(nextWebAction(r)).toEqual({ kind: 'wait-paused' });
    r = run(r, { type: 'resume' }, { type: 'abort' });
    expect(r.phase).toBe('rolling-back');
    expect(r.reason).toBe('aborted by operator');
    const promoting = run(
      plan(),
      { type: 'upstream-started', upstream: to },
      { type: 'share-set', share: 10 },
      { type: 'healthy', summary: '' },
      { type: 'share-set', share: 50 },
      { type: 'healthy', summary: '' },
      { type: 'share-set', share: 100 },
      { type: 'healthy', summary: '' },
    );
    expect(applyWebInput(promoting, { type: 'abort' }, 9)).toBe(promoting);
  });

  it('refuses a plan to the build already served and bad share lists', () => {
    expect(
      planWebRollout({
        id: 'x',
        from,
        to: '1.0.0',
        shares: [100],
        observeMs: 0,
        protocolChange: false,
        now: 0,
      }),
    ).toBeInstanceOf(Error);
    expect(parseShares('10,50,100')).toEqual([10, 50, 100]);
    expect((parseShares('50,10,100') as Error).message).toMatch(/rise/);
    expect((parseShares('10,50') as Error).message).toMatch(/last step must be 100/);
    expect((parseShares('0,100') as Error).message).toMatch(/1–100/);
  });

  it('round-trips through its stored JSON and names a wrong field', () => {
    const r = run(plan(true), { type: 'upstream-started', upstream: to });
    expect(parseWebRollout(JSON.stringify(r))).toEqual(r);
    expect((parseWebRollout(JSON.stringify({ ...r, phase: 'dancing' })) as Error).message).toMatch(
      /unknown rollout phase/,
    );
    expect((parseWebRollout(JSON.stringify({ ...r, kind: 'nodes' })) as Error).message).toMatch(
      /not a web rollout/,
    );
    expect((parseWebRollout(JSON.stringify({ ...r, step: 7 })) as Error).message).toMatch(/step/);
    expect(parseWebRollout('{')).toBeInstanceOf(Error);
    // A record stored before a threshold existed reads with that threshold's default.
    const { protocolErrorRatio: _, ...older } = r.thresholds;
    const old = parseWebRollout(JSON.stringify({ ...r, thresholds: older })) as WebRollout;
    expect(old.thresholds.protocolErrorRatio).toBe(0.1);
  });
});
