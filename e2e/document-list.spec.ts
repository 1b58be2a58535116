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

test.describe('document list tools', () => {
  test('search, sort, last edited, Escape cancels a rename, delete; a new document puts the caret in its body', async ({
    users,
    request,
  }) => {
    const tag = Date.now().toString(36);
    const make = async (title: string) => {
      const response = await request.post('/api/docs', { data: { title } });
      return ((await response.json()) as { doc: { id: string } }).doc.id;
    };
    const apple = await make(`Apple ${tag}`);
    const banana = await make(`Banana ${tag}`);
    const cherry = await make(`Cherry ${tag}`);

    const alice = await users.create('Alice');
    const { page } = alice;
    // Editing Apple makes it the most recently edited.
    await alice.open(apple);
    await alice.caretToEnd();
    await page.keyboard.type('An edit.');
    await alice.waitSaved();
    await page.goto('/');

    const search = page.getByTestId('doc-search');
    await search.fill(tag);
    const titles = page.getByTestId('doc-row').getByTestId('doc-open');
    await expect(titles).toHaveText([`Apple ${tag}`, `Cherry ${tag}`, `Banana ${tag}`]);
    await expect(
      page.locator(`[data-testid="doc-row"][data-doc-id="${apple}"] [data-testid="doc-edited"]`),
    ).toHaveText('Edited just now');
    await page.getByTestId('doc-sort').selectOption('title');
    await expect(titles).toHaveText([`Apple ${tag}`, `Banana ${tag}`, `Cherry ${tag}`]);
    await page.getByTestId('doc-sort').selectOption('created');
    await expect(titles).toHaveText([`Cherry ${tag}`, `Banana ${tag}`, `Apple ${tag}`]);
    await search.fill(`banana ${tag}`);
    await expect(titles).toHaveText([`Banana ${tag}`]);
    await search.fill(`nothing-like-this ${tag}`);
    await expect(page.getByTestId('no-match')).toBeVisible();
    await search.fill(tag);

    // Escape cancels a rename.
    const bananaRow = page.locator(`[data-testid="doc-row"][data-doc-id="${banana}"]`);
    await bananaRow.getByTestId('rename').click();
    await bananaRow.getByTestId('rename-input').fill('Should not stick');
    await bananaRow.getByTestId('rename-input').press('Escape');
    await expect(bananaRow.getByTestId('doc-open')).toHaveText(`Banana ${tag}`);

    // Delete, confirmed in place: gone from the list and from its address.
    const cherryRow = page.locator(`[data-testid="doc-row"][data-doc-id="${cherry}"]`);
    await cherryRow.getByTestId('delete').click();
    await cherryRow.getByTestId('delete-confirm').click();
    await expect(cherryRow).toHaveCount(0);
    await page.reload();
    await page.getByTestId('doc-search').fill(tag);
    await expect(titles).toHaveText([`Apple ${tag}`, `Banana ${tag}`]);
    expect((await request.get(`/api/docs/${cherry}`)).status()).toBe(404);
    await page.goto(`/d/${cherry}`);
    await expect(page.getByTestId('doc-missing')).toContainText('deleted');
    await expect(page.getByTestId('create-document')).toHaveCount(0);

    // A document created from the list opens with the caret in its body.
    await page.goto('/');
    await page.getByTestId('new-title').fill(`Fresh ${tag}`);
    await page.getByTestId('create').click();
    await alice.waitSynced();
    await expect(alice.editor).toBeFocused();
    await page.keyboard.type('typed straight away');
    await expect(alice.editor.locator('p')).toHaveText(['typed straight away']);
  });
});
