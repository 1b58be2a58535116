import { expect, test } from './support/fixtures.ts';

test.describe('document lifecycle', () => {
  test('an unknown address offers to create the document and creates nothing until asked', async ({
    users,
    docId,
    request,
  }) => {
    const alice = await users.create('Alice');
    await alice.page.goto(`/d/${docId}`);
    await expect(alice.page.getByTestId('doc-missing')).toContainText('No document here');
    await expect(alice.editor).toHaveCount(0);
    expect((await request.get(`/api/docs/${docId}`)).status()).toBe(404);
    const list = (await (await request.get('/api/docs')).json()) as { docs: { id: string }[] };
    expect(list.docs.map((d) => d.id)).not.toContain(docId);
    // A reload still creates nothing.
    await alice.page.reload();
    await expect(alice.page.getByTestId('doc-missing')).toBeVisible();
    expect((await request.get(`/api/docs/${docId}`)).status()).toBe(404);

    await alice.page.getByTestId('create-document').click();
    await alice.waitSynced();
    await expect(alice.editor).toBeVisible();
    expect((await request.get(`/api/docs/${docId}`)).status()).toBe(200);
  });

  test('a rename reaches every open tab; the new document has no heading copy of its title', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    for (const user of [alice, bob]) {
      await expect(user.page.getByTestId('doc-title')).toHaveValue('Untitled document');
      await expect(user.editor.locator('h1, h2, h3')).toHaveCount(0);
    }
    const field = alice.page.getByTestId('doc-title');
    await field.fill('Quarterly plan');
    await field.press('Enter');
    await expect(bob.page.getByTestId('doc-title')).toHaveValue('Quarterly plan');
    await expect(bob.page).toHaveTitle(/Quarterly plan/);
    await expect(alice.page).toHaveTitle(/Quarterly plan/);
    // Escape cancels a rename in progress.
    await field.fill('Never mind');
    await field.press('Escape');
    await expect(field).toHaveValue('Quarterly plan');
    await expect(bob.page.getByTestId('doc-title')).toHaveValue('Quarterly plan');
    await bob.page.reload();
    await bob.waitSynced();
    await expect(bob.page.getByTestId('doc-title')).toHaveValue('Quarterly plan');
  });
});
