import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from '@playwright/test';
import { type LocalCluster, startLocalCluster } from '../server/cli/local/cluster.ts';
import { createPortAllocator } from '../test/harness/ports.ts';
import { EditorUser, expect, freshDocId, test } from './support/fixtures.ts';

/**
 * `npm start`'s own launcher (`startLocalCluster`): it generates a cluster secret, an operator
 * token and a ticket key pair, so access control is on by default and a new user's document
 * has a working Share button (SECURITY.md).
 */
let cluster: LocalCluster | undefined;
let dir: string | undefined;
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  test.setTimeout(180_000);
  dir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-e2e-local-'));
  cluster = await startLocalCluster({
    stateFile: path.join(dir, 'state.json'),
    nodes: 2,
    webPort: await createPortAllocator()(),
    say: () => {},
  });
});

test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
});

test.afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function person(
  browser: import('@playwright/test').Browser,
  name: string,
): Promise<EditorUser> {
  const web = cluster?.state().web;
  if (!web) throw new Error('the local cluster has no web app (run npx next build web)');
  const context = await browser.newContext({ baseURL: web.url });
  contexts.push(context);
  await context.addInitScript((n) => window.localStorage.setItem('ringdoc:name', n), name);
  return new EditorUser(name, context, await context.newPage());
}

test('[P21] npm start: access control is on and a new document has a working Share button', async ({
  browser,
}) => {
  const docId = freshDocId();
  const alice = await person(browser, 'Alice');
  await alice.open(docId);
  await alice.caretToEnd();
  await alice.page.keyboard.type('Shared from a fresh local cluster.');
  await alice.waitSaved();
  await alice.page.getByTestId('share-button').click();
  const dialog = alice.page.getByTestId('share-dialog');
  await dialog.getByTestId('share-perm').selectOption('edit');
  await dialog.getByTestId('share-create').click();
  const url = dialog.getByTestId('share-url');
  await expect(url).toHaveValue(/#access=/);
  const link = await url.inputValue();

  // Without the link, another person is refused; with it, they edit.
  const stranger = await person(browser, 'Stranger');
  await stranger.page.goto(`/d/${docId}`);
  await expect(stranger.page.getByTestId('access-denied')).toBeVisible();

  const bob = await person(browser, 'Bob');
  await bob.page.goto(link);
  await bob.waitSynced();
  await expect(bob.editor).toContainText('Shared from a fresh local cluster.');
  await bob.caretToEnd();
  await bob.page.keyboard.type(' Bob agrees.');
  await bob.waitSaved();
  await expect(alice.editor).toContainText('Bob agrees.');
});
