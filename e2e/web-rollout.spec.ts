import { spawn } from 'node:child_process';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { WebSocket } from 'ws';
import { setConfig } from '../ring/etcd/config-watcher.ts';
import { createWebRolloutStore } from '../server/rollout/store.ts';
import { applyWebInput } from '../server/rollout/web-machine.ts';
import { createRoutingStore } from '../server/web-gateway/routing-store.ts';
import { runRingdoc } from '../test/harness/run-ringdoc.ts';
import type { E2eEnvironment } from './support/environment.ts';
import { type EditorUser, expect, test } from './support/fixtures.ts';

/** The CLI's environment: the suite's cluster (never a running `npm start`: no state file). */
const cliEnv = (env: E2eEnvironment, extra: Record<string, string> = {}) => ({
  RINGDOC_ETCD: env.etcd,
  RINGDOC_PREFIX: env.prefix,
  RINGDOC_OPERATOR_TOKEN: env.operatorToken,
  RINGDOC_WEB_LOG_DIR: env.webLogDir,
  RINGDOC_STATE_FILE: path.join(env.webLogDir, 'no-local-cluster.json'),
  ...extra,
});

/** The real CLI (`bin/ringdoc.mjs rollout …`), to its exit. */
function rollout(
  env: E2eEnvironment,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
) {
  return runRingdoc(['rollout', ...args], cliEnv(env, extraEnv), 90_000);
}

/** Counts the page's loads (the first one included): a reload is a second load. */
function countLoads(user: EditorUser): () => number {
  let loads = 0;
  user.page.on('load', () => {
    loads++;
  });
  return () => loads;
}

const buildOf = (user: EditorUser) => user.page.locator('.status-build');

/** One handshake of a tab of the handshake-faulty `build` (protocol 99), to the node's refusal. */
function refusedHandshake(nodeUrl: string, docId: string, build: string): Promise<number> {
  const ws = new WebSocket(`${nodeUrl}/doc/${docId}?build=${build}&proto=99`);
  return new Promise((resolve) => {
    ws.once('close', (code) => resolve(code));
    ws.once('error', () => resolve(0));
  });
}

test.describe
  .serial('web rollout (gateway, two web builds side by side)', () => {
    test('[W-roll a] tabs on the old build keep editing through a rollout to 100 % (its CLI killed and resumed) with zero reloads', async ({
      users,
      docId,
      env,
    }) => {
      const alice = await users.create('Alice');
      const loads = countLoads(alice);
      await alice.open(docId);
      await expect(buildOf(alice)).toHaveText(`Build ${env.webBuild}`);
      await alice.caretToEnd();
      await alice.page.keyboard.type('before the rollout. ');
      await alice.waitSaved();

      // The CLI is killed (SIGKILL) once the new build serves 50 %; another one resumes it.
      const etcd = new Etcd3({ hosts: [env.etcd] });
      const routing = createRoutingStore(etcd, env.prefix);
      const first = spawn(
        process.execPath,
        [
          'bin/ringdoc.mjs',
          'rollout',
          'web',
          '--to',
          '0.2.0',
          '--share',
          '50,100',
          '--observe',
          '4',
          '--poll',
          '0.5',
        ],
        { env: { ...process.env, ...cliEnv(env) }, stdio: 'ignore' },
      );
      try {
        await expect
          .poll(async () => (await routing.read())?.canary?.share ?? null, { timeout: 60_000 })
          .toBe(50);
      } finally {
        first.kill('SIGKILL');
        etcd.close();
      }
      const run = rollout(env, ['resume', 'web', '--poll', '0.5']);
      // Keep typing while the rollout resumes, widens to 100 % and promotes the new build.
      for (let i = 0; i < 4; i++) {
        await alice.page.keyboard.type(`during ${i}. `);
        await alice.waitSaved();
      }
      const result = await run;
      expect(result.stderr).toBe('');
      expect(result.code, result.stdout).toBe(0);
      expect(result.stdout).toMatch(/succeeded: build 0\.2\.0 is the stable web build/);
      await alice.page.keyboard.type('after the rollout.');
      await alice.waitSaved();
      expect(loads()).toBe(1);
      await expect(buildOf(alice)).toHaveText(`Build ${env.webBuild}`);

      // A new browser gets the new build, and sees everything Alice typed.
      const bob = await users.create('Bob');
      await bob.open(docId);
      await expect(buildOf(bob)).toHaveText('Build 0.2.0');
      await expect(bob.editor).toContainText('during 3. after the rollout.');
      const cookies = await bob.context.cookies();
      expect(cookies.find((c) => c.name === 'ringdoc-build')?.value).toBe('0.2.0');
    });

    test('[W-roll b] with --protocol-change an old tab reloads exactly once and keeps its unsynced edits', async ({
      users,
      docId,
      env,
    }) => {
      const etcd = new Etcd3({ hosts: [env.etcd] });
      try {
        const alice = await users.create('Alice');
        const loads = countLoads(alice);
        await alice.open(docId);
        await expect(buildOf(alice)).toHaveText('Build 0.2.0');
        await alice.caretToEnd();
        await alice.page.keyboard.type('saved on 0.2.0. ');
        await alice.waitSaved();

        // The socket is blocked while she types: these edits exist only in the tab and IndexedDB.
        await alice.context.setOffline(true);
        await expect(alice.status).toHaveAttribute('data-state', 'offline');
        await alice.page.keyboard.type('typed offline on 0.2.0');
        await alice.flushLocalCopy(docId);

        const result = await rollout(env, [
          'web',
          '--to',
          '0.3.0',
          '--share',
          '100',
          '--observe',
          '1',
          '--poll',
          '0.5',
          '--protocol-change',
        ]);
        expect(result.code, result.stdout + result.stderr).toBe(0);
        expect(result.stdout).toMatch(/min-client-build = 0\.3\.0/);

        // Back online: the node answers "newer version required", the tab reloads once, the
        // gateway re-assigns its cookie (0.2.0 is retired) and the reloaded tab runs 0.3.0.
        await alice.context.setOffline(false);
        await expect(buildOf(alice)).toHaveText('Build 0.3.0');
        await alice.waitSaved();
        await expect(alice.editor).toContainText('saved on 0.2.0. typed offline on 0.2.0');
        expect(loads()).toBe(2);
        await expect(alice.page.getByTestId('upgrade-banner')).toHaveCount(0);

        const bob = await users.create('Bob');
        await bob.open(docId);
        await expect(bob.editor).toContainText('typed offline on 0.2.0');
        expect(loads()).toBe(2);
      } finally {
        await setConfig(etcd, env.prefix, 'min-client-build', undefined);
        etcd.close();
      }
    });

    test('[W-roll c] a bad web build (refused handshake) is rolled back and its tab returns to the stable build by itself, keeping its edits', async ({
      users,
      docId,
      env,
      baseURL,
    }) => {
      const etcd = new Etcd3({ hosts: [env.etcd] });
      const routing = createRoutingStore(etcd, env.prefix);
      const rollouts = createWebRolloutStore(etcd, env.prefix);
      const operator = (type: 'pause' | 'resume') =>
        rollouts.modify((r) => applyWebInput(r, { type }, Date.now()));
      try {
        const alice = await users.create('Alice');
        await alice.open(docId);
        await alice.caretToEnd();
        await alice.page.keyboard.type('written on the stable build. ');
        await alice.waitSaved();

        const run = rollout(
          env,
          ['web', '--to', '0.4.0', '--share', '50,100', '--observe', '60', '--poll', '0.5'],
          { RINGDOC_WEB_FAULT: 'handshake' },
        );
        await expect
          .poll(async () => (await routing.read())?.canary?.share ?? null, { timeout: 60_000 })
          .toBe(50);
        // Held (as an operator's `pause` would) so the bad build's tab reloads before the rollback.
        await operator('pause');

        // A browser the gateway put on the new build (its cookie names it): refused, it reloads
        // by itself once, is refused again and is blocked — the build is still served.
        const carol = await users.create('Carol');
        const carolLoads = countLoads(carol);
        await carol.context.addCookies([
          { name: 'ringdoc-build', value: '0.4.0', url: baseURL as string },
        ]);
        await carol.page.goto(`/d/${docId}`);
        const blocked = carol.page.locator(
          '[data-testid="upgrade-banner"][data-reload-blocked="true"]',
        );
        await expect(blocked).toBeVisible();
        expect(carolLoads()).toBe(2);
        await expect(buildOf(carol)).toHaveText('Build 0.4.0');
        expect((await routing.read())?.canary?.build).toBe('0.4.0');
        // What she types now exists only in her tab and its IndexedDB.
        await carol.editor.click();
        await carol.page.keyboard.type('typed on the bad build');
        // Bad everywhere, as a real broken build would be: its comments and history rooms too.
        await expect(carol.page.getByTestId('comments-panel')).toHaveAttribute(
          'data-state',
          'upgrade-required',
        );
        await carol.page.getByTestId('history-button').click();
        await expect(carol.page.getByTestId('history-panel')).toHaveAttribute(
          'data-state',
          'failed',
        );

        // Resumed: more tabs of the bad build are refused (raw handshakes announcing it) until
        // the rollout sees it and rolls back.
        await operator('resume');
        await expect
          .poll(
            async () => {
              await refusedHandshake(env.nodes[0]?.url as string, docId, '0.4.0');
              return (await routing.read())?.canary ?? null;
            },
            { timeout: 60_000, intervals: [500] },
          )
          .toBeNull();
        const result = await run;
        expect(result.code, result.stdout).toBe(1);
        expect(result.stderr).toMatch(
          /rolled back: health breach: build 0\.4\.0: \d+ handshakes? refused for their protocol version/,
        );
        expect((await routing.read())?.stable.build).toBe('0.3.0');

        // No button pressed: the blocked tab sees its build is no longer served, reloads once
        // more and lands on the stable build with her text (IndexedDB, as for the version gate).
        await expect(buildOf(carol)).toHaveText('Build 0.3.0');
        await expect(carol.page.getByTestId('upgrade-banner')).toHaveCount(0);
        expect(carolLoads()).toBe(3);
        await carol.waitSaved();
        await expect(carol.editor).toContainText('written on the stable build.');
        await expect(carol.editor).toContainText('typed on the bad build');
        await expect(alice.editor).toContainText('typed on the bad build');
        const cookies = await carol.context.cookies();
        expect(cookies.find((c) => c.name === 'ringdoc-build')?.value).toBe('0.3.0');
        expect(carolLoads()).toBe(3);

        // The ops page shows the builds, the steps and why it rolled back.
        const ops = alice.page;
        await ops.goto('/ops');
        const panel = ops.getByTestId('web-rollout');
        await expect(panel).toHaveAttribute('data-phase', 'rolled-back');
        await expect(ops.getByTestId('web-rollout-reason')).toContainText(
          'refused for their protocol version',
        );
        await expect(ops.getByTestId('web-build-0.3.0')).toContainText('stable');
        await expect(ops.getByTestId('web-build-0.4.0')).toContainText('not served');
        await panel.scrollIntoViewIfNeeded();
        await panel.screenshot({
          path: process.env.RINGDOC_SCREENSHOTS
            ? 'docs/screenshots/web-rollout.png'
            : 'test-results/web-rollout-ops.png',
        });
      } finally {
        etcd.close();
      }
    });
  });
