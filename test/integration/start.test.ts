import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { groupAlive, isAlive } from '../../server/cli/local/proc.ts';
import { type LocalClusterState, parseState } from '../../server/cli/local/state.ts';
import type { StatusReport } from '../../server/cli/status-command.ts';
import { waitFor } from '../harness/node-process.ts';
import { type RingdocRun, runRingdoc } from '../harness/run-ringdoc.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let npm: ChildProcess | null = null;
let scratch = '';
let lastState: LocalClusterState | null = null;

function pidsOf(state: LocalClusterState): number[] {
  const managed = [state.etcd, ...state.nodes, ...(state.web ? [state.web] : [])];
  return [
    state.launcherPid,
    ...managed.flatMap((p) => [p.pid, ...(p.watchdogPid ? [p.watchdogPid] : [])]),
  ];
}

function readStateFile(file: string): LocalClusterState {
  const state = parseState(readFileSync(file, 'utf8'));
  if (state instanceof Error) throw state;
  return state;
}

/** `ringdoc …` through the real binary against the running local cluster (found via its state file). */
function ringdoc(args: string[], env: Record<string, string>): Promise<RingdocRun> {
  return runRingdoc(args, env, 60_000);
}

/**
 * `npm start [-- launcherArgs]` in its own process group (like a terminal's foreground job),
 * with its output collected. RINGDOC_SKIP_SETUP: `npm test` ran scripts/setup.sh before the
 * suite; running it again here could `npm ci` (delete node_modules) under the other tests.
 */
function startNpm(stateFile: string, launcherArgs: string[] = []) {
  const child = spawn(
    'npm',
    ['start', '--silent', ...(launcherArgs.length ? ['--', ...launcherArgs] : [])],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        RINGDOC_STATE_FILE: stateFile,
        RINGDOC_SKIP_SETUP: '1',
        RINGDOC_ETCD: '',
        RINGDOC_PREFIX: '',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  npm = child;
  const run = { child, output: '' };
  child.stdout?.on('data', (d: Buffer) => {
    run.output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    run.output += d.toString();
  });
  return run;
}

afterAll(async () => {
  // Only after a failure: nothing of ours may outlive the test.
  if (npm?.pid && groupAlive(npm.pid)) process.kill(-npm.pid, 'SIGKILL');
  for (const pid of lastState ? pidsOf(lastState) : []) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone, or not a group leader */
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (lastState) await rm(lastState.root, { recursive: true, force: true });
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 30_000);

describe('npm start (the local cluster launcher)', () => {
  it('comes up with etcd, 3 nodes and the web app, serves the editor, takes `ringdoc node add`, and Ctrl-C stops every process', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-start-test-'));
    const stateFile = path.join(scratch, 'state.json');
    const env = { RINGDOC_STATE_FILE: stateFile };
    const run = startNpm(stateFile);
    const child = run.child;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );

    await waitFor(
      'npm start to print "ringdoc is running"',
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited:\n${run.output}`);
        return /Press Ctrl-C to stop/.test(run.output);
      },
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- run.output ---\n${run.output}`);
    });
    const state = readStateFile(stateFile);
    lastState = state;
    expect(state.launcherPid).not.toBe(child.pid); // npm → bash → exec node launcher
    expect(state.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);
    for (const pid of pidsOf(state)) expect(isAlive(pid), `pid ${pid} alive`).toBe(true);

    const url = /ringdoc is running: (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output)?.[1];
    if (state.web) {
      expect(url).toBe(state.web.url);
      const page = await fetch(`${url}/d/start-test-${Date.now().toString(36)}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<title>ringdoc</title>');
      // Access control is on by default: a new document comes with its owner link, which can
      // create share links (the Share button); the ops page wants the printed operator token.
      const created = await fetch(`${url}/api/docs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'start test' }),
      });
      expect(created.status).toBe(201);
      const doc = (await created.json()) as {
        doc: { id: string };
        access: { enabled: boolean; perm: string; token: string };
      };
      expect(doc.access).toMatchObject({ enabled: true, perm: 'owner' });
      const share = await fetch(`${url}/api/docs/${doc.doc.id}/links`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${doc.access.token}`,
        },
        body: JSON.stringify({ perm: 'edit' }),
      });
      expect(share.status).toBe(201);
      const token = /operator token: (\S+)/.exec(run.output)?.[1];
      expect(token).toBeDefined();
      expect((await fetch(`${url}/ops`)).status).toBe(401);
      expect(
        (await fetch(`${url}/api/ring`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
    } else {
      console.warn(
        '[start.test] web/.next is absent: the launcher ran without the web app; editor not checked',
      );
      expect(run.output).toMatch(/ringdoc is running without the web app: ws:\/\/127\.0\.0\.1:\d+/);
    }

    const status = await ringdoc(['status', '--json'], env);
    expect(status.stderr).toBe('');
    expect((JSON.parse(status.stdout) as StatusReport).ring).toEqual(['n1', 'n2', 'n3']);

    const added = await ringdoc(['node', 'add', '--json'], env);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ id: 'n4' });
    const withN4 = readStateFile(stateFile);
    lastState = withN4;
    expect(withN4.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3', 'n4']);
    const after = JSON.parse((await ringdoc(['status', '--json'], env)).stdout) as StatusReport;
    expect(after.ring).toEqual(['n1', 'n2', 'n3', 'n4']);

    // Ctrl-C: SIGINT to the foreground process group (npm, and the launcher it exec'd into).
    process.kill(-(child.pid as number), 'SIGINT');
    const end = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`npm start still running 60 s after SIGINT:\n${run.output}`)),
          60_000,
        ),
      ),
    ]);
    // The launcher exits 0 after a requested stop; npm then re-raises the SIGINT it got (as a
    // shell would report Ctrl-C), so npm itself ends by that signal.
    expect(run.output).toContain(
      '[ringdoc] received SIGINT: stopping the web app, the nodes and etcd',
    );
    expect(run.output).toContain('[ringdoc] stopped');
    expect([0, 'SIGINT']).toContain(end.code ?? end.signal);
    for (const pid of pidsOf(withN4)) expect(isAlive(pid), `pid ${pid} still running`).toBe(false);
    for (const p of [withN4.etcd, ...withN4.nodes, ...(withN4.web ? [withN4.web] : [])]) {
      expect(groupAlive(p.pid), `process group ${p.pid} still has processes`).toBe(false);
    }
    expect(existsSync(withN4.root)).toBe(false);
    expect(existsSync(stateFile)).toBe(false);
  }, 240_000);

  it('`kill -INT <pid of npm start>` (npm alone, as a supervisor signals it) stops every process', async () => {
    // Before: npm forwarded the signal to its `sh -c` wrapper, which waits for its child and
    // never passed it on, so the launcher, the nodes and etcd kept running.
    scratch ??= await mkdtemp(path.join(os.tmpdir(), 'ringdoc-start-test-'));
    const stateFile = path.join(scratch, 'state-npm-pid.json');
    const run = startNpm(stateFile, ['--nodes', '1', '--no-web']);
    const child = run.child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitFor(
      'npm start (one node, no web) to come up',
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited:\n${run.output}`);
        return /Press Ctrl-C to stop/.test(run.output);
      },
      120_000,
    );
    const state = readStateFile(stateFile);
    lastState = state;
    process.kill(child.pid as number, 'SIGINT');
    await waitFor(
      'npm start to exit after SIGINT to npm alone',
      async () => {
        await Promise.race([exited, new Promise((r) => setImmediate(r))]);
        return child.exitCode !== null || child.signalCode !== null;
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- output ---\n${run.output}`);
    });
    expect(run.output).toContain('[ringdoc] received SIGINT');
    for (const pid of pidsOf(state)) expect(isAlive(pid), `pid ${pid} still running`).toBe(false);
    expect(existsSync(stateFile)).toBe(false);
  }, 180_000);
});
