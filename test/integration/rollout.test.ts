import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCluster, startLocalCluster } from '../../server/cli/local/cluster.ts';
import { logTail } from '../../server/cli/local/node.ts';
import { readState } from '../../server/cli/local/state.ts';
import { NODE_PROCESS_ENV } from '../../server/node/process-env.ts';
import type { NodeRollout } from '../../server/rollout/machine.ts';
import { localClusterView } from '../harness/local-cluster-view.ts';
import { waitFor } from '../harness/node-process.ts';
import { runRingdoc } from '../harness/run-ringdoc.ts';
import { Workload } from '../harness/workload.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/ringdoc.mjs');
/** The bad build fails every document whose id ends in 0 or 5 (10 of the 50). */
const BAD_DOCS = '-[0-9]*[05]$';
/** Short windows keep the drill well under 3 minutes; the README gives production values. */
const FAST = ['--observe', '3', '--poll', '0.5', '--thresholds', 'warmupMs=3000'];

let scratch = '';
let stateFile = '';
let local: LocalCluster | null = null;
let workload: Workload | null = null;
let cli: ChildProcess | null = null;

/** The end of every node's log, for a failure message. */
async function nodeLogs(lines = 40): Promise<string> {
  const state = await readState(stateFile);
  const out: string[] = [];
  for (const node of state?.nodes ?? []) {
    out.push(`--- ${node.id} (pid ${node.pid}) ---\n${await logTail(node.log, lines)}`);
  }
  return out.join('\n');
}

/** The CLI's exit code, or an error with its output and the nodes' logs once `ms` passed. */
async function exitWithin(run: ReturnType<typeof startCli>, ms: number): Promise<number | null> {
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    run.exit,
    new Promise<typeof late>((resolve) => {
      timer = setTimeout(() => resolve(late), ms);
    }),
  ]);
  clearTimeout(timer);
  if (code !== late) return code;
  throw new Error(
    `the CLI did not finish within ${ms / 1000} s\n--- CLI output ---\n${run.output}\n${await nodeLogs()}`,
  );
}

/** The CLI finds the cluster through its state file (RINGDOC_ETCD/RINGDOC_PREFIX are not set in tests). */
const env = () => ({ RINGDOC_STATE_FILE: stateFile });

async function rolloutStatus(): Promise<{
  rollout: NodeRollout | null;
  builds: Record<string, string>;
}> {
  const run = await runRingdoc(['rollout', 'status', '--json'], env(), 30_000);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** Starts `ringdoc rollout …` in the background, its output collected. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cli = child;
  const run = {
    child,
    output: '',
    exit: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (d: Buffer) => {
    run.output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    run.output += d.toString();
  });
  return run;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-rollout-test-'));
  stateFile = path.join(scratch, 'state.json');
  local = await startLocalCluster({
    stateFile,
    nodes: 3,
    web: false,
    leaseTtl: 2,
    accessControl: false,
    say: () => {},
  });
  workload = new Workload(localClusterView(stateFile), 50, 2);
  await workload.start();
  workload.startTyping(300);
  const before = workload.ackedTotal();
  await waitFor('editors typing and acked', () => (workload?.ackedTotal() ?? 0) > before + 50);
}, 120_000);

afterAll(async () => {
  if (cli && cli.exitCode === null) cli.kill('SIGKILL');
  workload?.stop();
  await local?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 60_000);

describe('ringdoc rollout nodes on the local cluster while 100 editors type into 50 documents', () => {
  it('[rollout] a good build reaches all 3 nodes (canary, then widening) through a CLI killed mid-rollout and resumed: 0 tokens lost or duplicated, no editor error', async () => {
    const w = workload as Workload;
    const first = startCli(['rollout', 'nodes', '--to', '0.2.0', ...FAST]);
    // Kill the CLI while it drains the second node (after the canary's observation passed).
    await waitFor(
      'the rollout to widen to n2',
      () => {
        if (first.child.exitCode !== null) throw new Error(`CLI exited early:\n${first.output}`);
        return /n2: drain and restart on build 0\.2\.0/.test(first.output);
      },
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- CLI output ---\n${first.output}`);
    });
    expect(first.output).toMatch(/canary n1/);
    expect(first.output).toMatch(/observing n1 for 3 s/);
    first.child.kill('SIGKILL');
    await first.exit;
    const midway = await rolloutStatus();
    expect(midway.rollout?.phase).toBe('upgrading');
    expect(midway.rollout?.upgraded).toEqual(['n1']);
    expect(midway.rollout?.restarting).toBe('n2');

    const resumed = startCli(['rollout', 'resume', '--poll', '0.5']);
    const code = await resumed.exit;
    expect(code, resumed.output).toBe(0);
    expect(resumed.output).toMatch(/succeeded: every node runs build 0\.2\.0/);
    const done = await rolloutStatus();
    expect(done.rollout?.phase).toBe('succeeded');
    expect(done.rollout?.upgraded).toEqual(['n1', 'n2', 'n3']);
    for (const id of ['n1', 'n2', 'n3']) expect(done.builds[id]).toBe('0.2.0 (active)');
    // restarted nodes run with the node process environment (malloc arenas) too
    const state = await readState(stateFile);
    expect(state?.nodes.length).toBe(3);
    for (const node of state?.nodes ?? []) {
      const environ = (await readFile(`/proc/${node.pid}/environ`, 'utf8')).split('\0');
      for (const [name, value] of Object.entries(NODE_PROCESS_ENV)) {
        expect(environ, `${node.id} (pid ${node.pid})`).toContain(`${name}=${value}`);
      }
    }

    const acked = w.ackedTotal();
    await waitFor('typing continues after the rollout', () => w.ackedTotal() > acked + 50, 60_000);
    w.stopTyping();
    await w.settle(60_000);
    expect(w.badCloses()).toEqual([]);
    expect(await w.verify()).toEqual([]);
  }, 170_000);

  it('[rollout] a bad build (fails a class of documents) is caught on the canary and rolled back automatically: nothing lost', async () => {
    const w = workload as Workload;
    w.startTyping(300);
    const run = startCli([
      'rollout',
      'nodes',
      '--to',
      '0.3.0-bad',
      `--args=--fault-refuse-docs ${BAD_DOCS}`,
      '--observe',
      '20',
      '--poll',
      '0.5',
      '--thresholds',
      'warmupMs=3000',
    ]);
    const code = await exitWithin(run, 140_000);
    expect(code, run.output).toBe(1);
    expect(run.output).toMatch(/rolling back: health breach: n1 failed \d+ document loads/);
    expect(run.output).toMatch(/rolled back: every node runs its old build/);
    expect(run.output).not.toMatch(/n2: drain/);
    const after = await rolloutStatus();
    expect(after.rollout?.phase).toBe('rolled-back');
    expect(after.rollout?.reason).toMatch(/n1 failed \d+ document loads/);
    for (const id of ['n1', 'n2', 'n3']) expect(after.builds[id]).toBe('0.2.0 (active)');

    const acked = w.ackedTotal();
    await waitFor('typing continues after the rollback', () => w.ackedTotal() > acked + 50, 60_000);
    w.stopTyping();
    await w.settle(60_000);
    expect(w.badCloses()).toEqual([]);
    expect(await w.verify()).toEqual([]);
  }, 170_000);

  it('[rollout] pause and abort written by other CLIs stop the driving one: the canary goes back, exit 1 with the reason', async () => {
    const w = workload as Workload;
    w.startTyping(300);
    const run = startCli([
      'rollout',
      'nodes',
      '--to',
      '0.4.0',
      '--observe',
      '120',
      '--poll',
      '0.5',
      '--thresholds',
      'warmupMs=0',
    ]);
    await waitFor(
      'the canary to be observed',
      () => /observing n1 for 120 s/.test(run.output),
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- CLI output ---\n${run.output}`);
    });
    const paused = await runRingdoc(['rollout', 'pause'], env(), 30_000);
    expect(paused.code, paused.stderr).toBe(0);
    expect((await rolloutStatus()).rollout?.paused).toBe(true);
    await waitFor('the driver to report the pause', () => /paused by operator/.test(run.output));
    const aborted = await runRingdoc(['rollout', 'abort'], env(), 60_000);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(await run.exit, run.output).toBe(1);
    expect(run.output).toMatch(/rolling back: aborted by operator/);
    expect(run.output).not.toMatch(/n2: drain/);
    const after = await rolloutStatus();
    expect(after.rollout?.phase).toBe('rolled-back');
    for (const id of ['n1', 'n2', 'n3']) expect(after.builds[id]).toBe('0.2.0 (active)');
    w.stopTyping();
    await w.settle(60_000);
    expect(w.badCloses()).toEqual([]);
    expect(await w.verify()).toEqual([]);
  }, 170_000);
});
