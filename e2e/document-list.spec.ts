import { expect, test } from './support/fixtures.ts';

test.describe('document list', () => {
  test('[W3] create, open, rename and find a document among the recently opened', async ({
    users,
  }) => {
    const alice = await users.create('Alice');
    const { page } = alice;
    const title = `Plan ${Date.now().toString(36)}`;
    await page.goto('/');
    await page.getByTestId('new-title').fill(title);
    await page.getByTestId('create').click();
    await page.waitForURL(/\/d\/[a-z0-9]+$/);
    await alice.waitSynced();
    await expect(alice.editor.locator('h1')).toHaveCount(0);
    await expect(page.getByTestId('doc-title')).toHaveValue(title);
    const docId = page.url().split('/d/')[1]!;

    await page.getByRole('link', { name: 'Documents' }).first().click();
    const row = page.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`);
    await expect(row.getByTestId('doc-open')).toHaveText(title);
    await expect(page.getByTestId('recent')).toContainText(title);

    await row.getByTestId('rename').click();
    await row.getByTestId('rename-input').fill(`${title} (renamed)`);
    await row.getByTestId('rename-save').click();
    await expect(row.getByTestId('doc-open')).toHaveText(`${title} (renamed)`);
    await page.reload();
    await expect(row.getByTestId('doc-open')).toHaveText(`${title} (renamed)`);

    // Share by URL: another user opens the same address.
    const bob = await users.create('Bob');
    await bob.open(docId);
    await expect(bob.page.getByTestId('doc-title')).toHaveValue(`${title} (renamed)`);
    await row.getByTestId('doc-open').click();
    await alice.waitSynced();
    await expect(alice.page.getByTestId('presence-user')).toHaveCount(2);
  });
});
