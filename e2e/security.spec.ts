import type { Browser } from '@playwright/test';
import { type AccessControlled, createLink, startAccessControlled } from './support/access.ts';
import { EditorUser, expect, freshDocId, test } from './support/fixtures.ts';

/**
 * Access control end to end (SECURITY.md, PROTOCOL.md P21) on a cluster of its own with
 * tickets required (the shared suite runs open): the web app signs tickets with a key pair
 * generated here, the nodes verify them with its public key.
 */
let env: AccessControlled | undefined;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  env = await startAccessControlled();
});

test.afterEach(async () => {
  await env?.closeContexts();
});

test.afterAll(async () => {
  await env?.stop();
});

/** A person with their own browser context on the access-controlled web app. */
async function person(browser: Browser, name: string): Promise<EditorUser> {
  if (!env) throw new Error('web app not started');
  return env.person(browser, name);
}

/** Another tab of the same person (same storage, so the same link). */
async function anotherTab(user: EditorUser): Promise<EditorUser> {
  return new EditorUser(user.name, user.context, await user.context.newPage());
}

const linkIdOf = (url: string) => new URL(url).hash.replace('#access=', '').split('.')[0]!;

test.describe('sharing by link (access control on)', () => {
  test('[P21] the creator shares an edit link and a view link: the viewer sees everything, edits nothing, and is present', async ({
    browser,
  }) => {
    const docId = freshDocId();
    const alice = await person(browser, 'Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('Written by Alice.');
    await alice.waitSaved();

    const editUrl = await createLink(alice, 'edit');
    const viewUrl = await createLink(alice, 'view');
    await alice.page.getByTestId('share-dialog').getByRole('button', { name: 'Close' }).click();

    const bob = await person(browser, 'Bob');
    await bob.page.goto(editUrl);
    await bob.waitSynced();
    expect(new URL(bob.page.url()).hash).toBe('');
    await bob.caretToEnd();
    await bob.page.keyboard.type(' Bob was here.');
    await bob.waitSaved();
    await expect(alice.editor).toContainText('Bob was here.');

    const carol = await person(browser, 'Carol');
    await carol.page.goto(viewUrl);
    await carol.waitSynced();
    await expect(carol.page.getByTestId('read-only-badge')).toBeVisible();
    await expect(carol.page.getByTestId('editor-app')).toHaveAttribute('data-permission', 'view');
    await expect(carol.editor).toHaveAttribute('contenteditable', 'false');
    await expect(carol.editor).toContainText('Written by Alice. Bob was here.');
    await expect(
      alice.page.locator('[data-testid="presence-user"][data-name="Carol"]'),
    ).toBeVisible();

    await carol.editor.click();
    await carol.page.keyboard.type('vandalism');
    await alice.caretToEnd();
    await alice.page.keyboard.type(' Still Alice.');
    await alice.waitSaved();
    await expect(carol.editor).toContainText('Still Alice.');
    expect(await carol.text()).not.toContain('vandalism');
    expect(await alice.text()).not.toContain('vandalism');
  });

  test('[P21] revoking a link disconnects every tab opened through it; other links keep editing', async ({
    browser,
  }) => {
    const docId = freshDocId();
    const alice = await person(browser, 'Alice');
    await alice.open(docId);
    const bobUrl = await createLink(alice, 'edit');
    const daveUrl = await createLink(alice, 'edit');

    const bob = await person(browser, 'Bob');
    await bob.page.goto(bobUrl);
    await bob.waitSynced();
    const bobAgain = await anotherTab(bob);
    await bobAgain.open(docId);
    const dave = await person(browser, 'Dave');
    await dave.page.goto(daveUrl);
    await dave.waitSynced();

    const dialog = alice.page.getByTestId('share-dialog');
    const row = dialog.locator(
      `[data-testid="share-link-row"][data-link-id="${linkIdOf(bobUrl)}"]`,
    );
    await row.getByTestId('share-revoke').click();
    await expect(row).toHaveAttribute('data-revoked', 'true');

    for (const tab of [bob, bobAgain]) {
      await expect(tab.page.getByTestId('stopped-banner')).toContainText(
        'Your access was removed.',
      );
      await expect(tab.page.getByTestId('stopped-banner')).not.toContainText('ticket');
      await expect(tab.status).toHaveAttribute('data-state', 'error');
      await expect(tab.editor).toHaveAttribute('contenteditable', 'false');
    }
    await dave.caretToEnd();
    await dave.page.keyboard.type('Dave keeps editing.');
    await dave.waitSaved();
    await expect(alice.editor).toContainText('Dave keeps editing.');

    await bob.page.reload();
    await expect(bob.page.getByTestId('access-denied')).toBeVisible();
  });

  test('[P21] a revoked editor becomes read-only, in plain words, and is offered its unsaved text', async ({
    browser,
  }) => {
    const docId = freshDocId();
    const alice = await person(browser, 'Alice');
    await alice.open(docId);
    const bobUrl = await createLink(alice, 'edit');
    const bob = await person(browser, 'Bob');
    await bob.page.goto(bobUrl);
    await bob.waitSynced();
    await bob.caretToEnd();
    await bob.page.keyboard.type('Saved by Bob.');
    await bob.waitSaved();

    // Bob writes while his connection is down; meanwhile Alice revokes his link.
    await bob.context.setOffline(true);
    await expect(bob.status).toHaveAttribute('data-state', 'offline');
    await bob.page.keyboard.type(' Never reached the server.');
    await expect(bob.status).toHaveAttribute('data-unsynced', 'true');
    const row = alice.page
      .getByTestId('share-dialog')
      .locator(`[data-testid="share-link-row"][data-link-id="${linkIdOf(bobUrl)}"]`);
    await row.getByTestId('share-revoke').click();
    await expect(row).toHaveAttribute('data-revoked', 'true');
    await bob.context.setOffline(false);

    const banner = bob.page.getByTestId('stopped-banner');
    await expect(banner).toContainText('Your access was removed.');
    await expect(banner).not.toContainText('ticket');
    await expect(bob.editor).toHaveAttribute('contenteditable', 'false');
    await expect(bob.page.getByTestId('toolbar')).toHaveCount(0);
    await expect(bob.page.getByTestId('unsaved-text')).toHaveValue(
      /Saved by Bob\. Never reached the server\./,
    );
    await expect(alice.editor).toContainText('Saved by Bob.');
    await expect(alice.editor).not.toContainText('Never reached the server.');
  });

  test('[P21] the creator finds their document in the list; others do not see it', async ({
    browser,
  }) => {
    const docId = freshDocId();
    const alice = await person(browser, 'Alice');
    await alice.open(docId);
    await alice.page.getByTestId('doc-title').fill('Private plan');
    await alice.page.getByTestId('doc-title').press('Enter');
    await alice.page.goto('/');
    const row = alice.page.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`);
    await expect(row.getByTestId('doc-open')).toHaveText('Private plan');
    const mallory = await person(browser, 'Mallory');
    await mallory.page.goto('/');
    await expect(mallory.page.getByText('No documents yet.')).toBeVisible();
  });

  test('[P21] without a link an existing document does not open', async ({ browser }) => {
    const docId = freshDocId();
    const alice = await person(browser, 'Alice');
    await alice.open(docId);
    const mallory = await person(browser, 'Mallory');
    await mallory.page.goto(`/d/${docId}`);
    await expect(mallory.page.getByTestId('access-denied')).toBeVisible();
    await expect(mallory.editor).toHaveCount(0);
  });
});
