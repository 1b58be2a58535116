import { type AccessControlled, createLink, startAccessControlled } from './support/access.ts';
import { expect, freshDocId, test } from './support/fixtures.ts';

test.describe('version history', () => {
  test('[W6] name a version, a second tab sees it, preview, diff, restore in both tabs, undo the restore', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);

    await alice.caretToEnd();
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('First draft text.');
    await alice.waitSaved();

    // Bob keeps the history open: named versions appear there live.
    await bob.page.getByTestId('history-button').click();
    const bobPanel = bob.page.getByTestId('history-panel');
    await expect(bobPanel).toHaveAttribute('data-state', 'synced');

    await alice.page.getByTestId('history-button').click();
    const panel = alice.page.getByTestId('history-panel');
    await expect(panel).toHaveAttribute('data-state', 'synced');
    await panel.getByTestId('version-name').fill('Before review');
    await panel.getByTestId('save-version').click();
    const named = panel.getByTestId('version').filter({ hasText: 'Before review' });
    await expect(named).toHaveCount(1);
    await expect(named).toHaveAttribute('data-kind', 'named');
    await expect(named).toContainText('Alice');

    await alice.caretToEnd();
    await alice.page.keyboard.type(' More words added later.');
    await alice.waitSaved();
    await expect(bob.editor).toContainText('First draft text. More words added later.');

    // The second tab sees the version appear.
    await expect(bobPanel.getByTestId('version').filter({ hasText: 'Before review' })).toHaveCount(
      1,
    );

    // Preview shows the old text, read-only.
    await named.getByTestId('preview-version').click();
    const preview = panel.getByTestId('version-preview');
    await expect(preview).toContainText('First draft text.');
    await expect(preview).not.toContainText('More words');
    await expect(preview.locator('[contenteditable]')).toHaveCount(0);

    // The diff against now marks what changed since.
    await named.getByTestId('diff-version').click();
    const diff = panel.getByTestId('history-diff');
    await expect(diff.getByTestId('diff-insert')).toContainText(['More words added later.']);
    await expect(diff.getByTestId('diff-delete')).toHaveCount(0);
    // Bob compares the version with now too: same marks in his tab.
    await bobPanel
      .getByTestId('version')
      .filter({ hasText: 'Before review' })
      .getByTestId('diff-version')
      .click();
    await expect(bobPanel.getByTestId('diff-insert')).toContainText(['More words added later.']);

    // Restore: the old text is back in both tabs; the newer state stays a version.
    await panel.getByTestId('restore-version').click();
    await expect(panel.getByTestId('history-message')).toContainText('Restored “Before review”');
    await expect(alice.editor).not.toContainText('More words');
    await expect(alice.editor).toContainText('First draft text.');
    await expect(bob.editor).not.toContainText('More words');
    await expect(bob.editor).toContainText('First draft text.');
    await expect(
      bobPanel.getByTestId('version').filter({ hasText: 'before restoring “Before review”' }),
    ).toHaveCount(1);
    await alice.waitSaved();

    // Two versions compared: what changed between them, attributed to who edited in between.
    const beforeRestoring = bobPanel
      .getByTestId('version')
      .filter({ hasText: 'before restoring “Before review”' });
    const beforeRestoringId = await beforeRestoring.getAttribute('data-version-id');
    await bobPanel.getByTestId('diff-against').selectOption(beforeRestoringId ?? '');
    await expect(bobPanel.getByTestId('diff-insert')).toContainText(['More words added later.']);
    await expect(bobPanel.getByTestId('diff-authors')).toContainText('Alice');

    // Undo of the restore brings the newer text back, everywhere.
    await alice.page.getByRole('button', { name: 'Close history' }).click();
    await alice.caretToEnd();
    await alice.page.keyboard.press('Control+z');
    await expect(alice.editor).toContainText('First draft text. More words added later.');
    await expect(bob.editor).toContainText('First draft text. More words added later.');
    await alice.waitSaved();
    await expect.poll(async () => (await bob.html()) === (await alice.html())).toBe(true);
  });
});

test.describe('version history with access control', () => {
  let site: AccessControlled | undefined;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    site = await startAccessControlled();
  });
  test.afterEach(async () => {
    await site?.closeContexts();
  });
  test.afterAll(async () => {
    await site?.stop();
  });

  test('[W6][P21] a view link browses the history (list, preview, diff) but cannot name or restore', async ({
    browser,
  }) => {
    if (!site) throw new Error('site not started');
    const docId = freshDocId();
    const alice = await site.person(browser, 'Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Shared draft.');
    await alice.waitSaved();
    await alice.page.getByTestId('history-button').click();
    const panel = alice.page.getByTestId('history-panel');
    await expect(panel).toHaveAttribute('data-state', 'synced');
    await panel.getByTestId('version-name').fill('Draft one');
    await panel.getByTestId('save-version').click();
    await expect(panel.getByTestId('version').filter({ hasText: 'Draft one' })).toHaveCount(1);
    await panel.getByRole('button', { name: 'Close history' }).click();
    await alice.caretToEnd();
    await alice.page.keyboard.type(' Edited later.');
    await alice.waitSaved();
    const viewUrl = await createLink(alice, 'view');

    const carol = await site.person(browser, 'Carol');
    await carol.page.goto(viewUrl);
    await carol.waitSynced();
    await expect(carol.page.getByTestId('read-only-badge')).toBeVisible();
    await carol.page.getByTestId('history-button').click();
    const carolPanel = carol.page.getByTestId('history-panel');
    await expect(carolPanel).toHaveAttribute('data-state', 'synced');
    const version = carolPanel.getByTestId('version').filter({ hasText: 'Draft one' });
    await expect(version).toHaveCount(1);
    await version.getByTestId('preview-version').click();
    await expect(carolPanel.getByTestId('version-preview')).toContainText('Shared draft.');
    await expect(carolPanel.getByTestId('version-preview')).not.toContainText('Edited later.');
    await version.getByTestId('diff-version').click();
    await expect(carolPanel.getByTestId('diff-insert')).toContainText(['Edited later.']);
    await expect(carolPanel.getByTestId('version-name')).toHaveCount(0);
    await expect(carolPanel.getByTestId('restore-version')).toHaveCount(0);
  });
});
