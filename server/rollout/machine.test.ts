import { describe, expect, it } from 'vitest';
import {
  applyInput,
  type NodeRollout,
  nextAction,
  planRollout,
  type RolloutInput,
  stepsFor,
} from './machine.ts';

const OLD = { build: '1.0', args: [] };
const NEW = { build: '1.1', args: [] };

function plan(stepSize = 1): NodeRollout {
  const r = planRollout({
    id: 'r1',
    to: NEW,
    current: { n1: OLD, n2: OLD, n3: OLD },
    stepSize,
    observeMs: 1000,
    now: 0,
  });
  if (r instanceof Error) throw r;
  return r;
}

const run = (r: NodeRollout, ...inputs: RolloutInput[]) =>
  inputs.reduce((s, input, i) => applyInput(s, input, i + 1), r);

const upgrade = (node: string): RolloutInput[] => [
  { type: 'restarting', node, build: NEW.build },
  { type: 'restarted', node, upgrade: true },
];

describe('node rollout state machine', () => {
  it('plans the canary alone, then widens by the step size', () => {
    expect(stepsFor(3)).toEqual([1, 2, 3]);
    expect(stepsFor(5, 2)).toEqual([1, 3, 5]);
    expect(stepsFor(1)).toEqual([1]);
    expect(plan(2).steps).toEqual([1, 3]);
  });

  it('refuses a rollout with nothing to do or bad input, saying why', () => {
    const same = planRollout({ id: 'x', to: OLD, current: { n1: OLD }, observeMs: 0, now: 0 });
    expect(same).toBeInstanceOf(Error);
    expect((same as Error).message).toMatch(/already runs build 1\.0/);
    expect(planRollout({ id: 'x', to: NEW, current: {}, observeMs: 0, now: 0 })).toBeInstanceOf(
      Error,
    );
    const unknown = planRollout({
      id: 'x',
      to: NEW,
      current: { n1: OLD },
      order: ['n9'],
      observeMs: 0,
      now: 0,
    });
    expect((unknown as Error).message).toMatch(/unknown node n9/);
  });

  it('upgrades the canary, observes it, widens one node at a time and succeeds', () => {
    let r = plan();
    expect(nextAction(r)).toEqual({ kind: 'restart', node: 'n1', version: NEW, upgrade: true });
    r = run(r, ...upgrade('n1'));
    expect(nextAction(r)).toEqual({ kind: 'observe' });
    r = run(r, { type: 'observing' });
    expect(r.phase).toBe('observing');
    r = run(r, { type: 'healthy' });
    expect(r.step).toBe(1);
    expect(nextAction(r)).toMatchObject({ kind: 'restart', node: 'n2' });
    r = run(r, ...upgrade('n2'), { type: 'observing' }, { type: 'healthy' });
    r = run(r, ...upgrade('n3'), { type: 'observing' }, { type: 'healthy' });
    expect(r.phase).toBe('succeeded');
    expect(r.upgraded).toEqual(['n1', 'n2', 'n3']);
    expect(nextAction(r)).toEqual({ kind: 'done' });
  });

  it('on a breach rolls every upgraded node back, newest first, and records why', () => {
    let r = run(plan(), ...upgrade('n1'), { type: 'observing' }, { type: 'healthy' });
    r = run(r, ...upgrade('n2'), { type: 'observing' });
    r = run(r, { type: 'breach', reasons: ['n2 failed 4 document loads'] });
    expect(r.phase).toBe('rolling-back');
    expect(r.reason).toMatch(/n2 failed 4 document loads/);
    expect(nextAction(r)).toEqual({ kind: 'restart', node: 'n2', version: OLD, upgrade: false });
    r = run(r, { type: 'restarting', node: 'n2', build: OLD.build });
    r = run(r, { type: 'restarted', node: 'n2', upgrade: false });
    expect(nextAction(r)).toMatchObject({ kind: 'restart', node: 'n1', upgrade: false });
    r = run(r, { type: 'restarted', node: 'n1', upgrade: false });
    expect(r.phase).toBe('rolled-back');
    expect(r.events.at(-1)?.message).toMatch(/rolled back.*n2 failed 4 document loads/);
  });

  it('a node that fails to come up on the new build is rolled back with the others', () => {
    let r = run(plan(), { type: 'restarting', node: 'n1', build: NEW.build });
    r = run(r, { type: 'restart-failed', node: 'n1', error: 'exited during start' });
    expect(r.phase).toBe('rolling-back');
    expect(r.upgraded).toEqual(['n1']);
    expect(nextAction(r)).toMatchObject({ kind: 'restart', node: 'n1', version: OLD });
  });

  it('abort mid-restart rolls back the node caught in the middle too', () => {
    let r = run(plan(), ...upgrade('n1'), { type: 'observing' }, { type: 'healthy' });
    r = run(r, { type: 'restarting', node: 'n2', build: NEW.build }, { type: 'abort' });
    expect(r.phase).toBe('rolling-back');
    expect(r.reason).toBe('aborted by operator');
    expect(r.upgraded).toEqual(['n1', 'n2']);
  });

  it('pause holds the next step; resume continues; pause does not stop a rollback', () => {
    let r = run(plan(), ...upgrade('n1'), { type: 'pause' });
    expect(nextAction(r)).toEqual({ kind: 'wait-paused' });
    r = run(r, { type: 'resume' });
    expect(nextAction(r)).toEqual({ kind: 'observe' });
    r = run(r, { type: 'breach', reasons: ['x'] }, { type: 'pause' });
    expect(r.paused).toBe(false);
    expect(nextAction(r)).toMatchObject({ kind: 'restart', upgrade: false });
  });

  it('a finished rollout ignores further inputs', () => {
    const r = run(plan(), { type: 'abort' });
    expect(r.phase).toBe('rolled-back');
    expect(run(r, { type: 'resume' }, { type: 'healthy' })).toBe(r);
  });
});
