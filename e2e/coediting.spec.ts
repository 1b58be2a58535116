import { expect, test } from './support/fixtures.ts';

test.describe('co-editing', () => {
  test('[W1] two users co-edit with formatting and end with identical HTML; a late third gets it all', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await expect(alice.page.getByTestId('doc-title')).toHaveValue('Untitled document');
    await expect(bob.page.getByTestId('doc-title')).toHaveValue('Untitled document');

    // Alice: a paragraph with bold and italic words.
    await alice.caretToEnd();
    await alice.page.keyboard.type('Hello from Alice, ');
    await alice.page.getByTestId('tb-bold').click();
    await alice.page.keyboard.type('bold words');
    await alice.page.getByTestId('tb-bold').click();
    await alice.page.keyboard.type(' and ');
    await alice.page.getByTestId('tb-italic').click();
    await alice.page.keyboard.type('italic ones');
    await alice.page.getByTestId('tb-italic').click();
    await expect(bob.editor).toContainText('Hello from Alice, bold words and italic ones');

    // Bob: a heading, a bulleted list with underline and inline code, and a numbered list.
    await bob.caretToEnd();
    await bob.page.keyboard.press('Enter');
    await bob.page.getByTestId('tb-h2').click();
    await bob.page.keyboard.type("Bob's section");
    await bob.page.keyboard.press('Enter');
    await bob.page.getByTestId('tb-bullet').click();
    await bob.page.keyboard.type('first ');
    await bob.page.getByTestId('tb-underline').click();
    await bob.page.keyboard.type('underlined');
    await bob.page.getByTestId('tb-underline').click();
    await bob.page.keyboard.press('Enter');
    await bob.page.getByTestId('tb-code').click();
    await bob.page.keyboard.type('npm test');
    await bob.page.getByTestId('tb-code').click();
    await bob.page.keyboard.press('Enter');
    await bob.page.keyboard.press('Enter');
    await bob.page.getByTestId('tb-number').click();
    await bob.page.keyboard.type('step one');

    // Alice links a word in her own paragraph while Bob types.
    await alice.editor.locator('strong').first().dblclick();
    await alice.page.getByTestId('tb-link').click();
    await alice.page.getByTestId('link-url').fill('https://example.com/');
    await alice.page.getByTestId('link-apply').click();

    await alice.waitSaved();
    await bob.waitSaved();
    const bobEditor = bob.editor;
    await expect(bobEditor.locator('h2')).toHaveText("Bob's section");
    await expect(bobEditor.locator('ul li')).toHaveCount(2);
    await expect(bobEditor.locator('ol li')).toHaveText(['step one']);
    await expect(bobEditor.locator('a[href="https://example.com/"]')).toHaveCount(1);
    await expect(bobEditor.locator('code')).toHaveText(['npm test']);
    await expect(bobEditor.locator('.rd-underline')).toHaveText(['underlined']);
    await expect(bobEditor.locator('.rd-italic')).toHaveText(['italic ones']);

    await expect.poll(async () => (await alice.html()) === (await bob.html())).toBe(true);

    const carol = await users.create('Carol');
    await carol.open(docId);
    const expected = await alice.html();
    await expect.poll(() => carol.html()).toBe(expected);
  });

  test('[W1] undo removes only your own edits', async ({ users, docId }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('alice text');
    await expect(bob.editor).toContainText('alice text');
    await bob.caretToEnd();
    await bob.page.keyboard.press('Enter');
    await bob.page.keyboard.type('bob text');
    await expect(alice.editor).toContainText('bob text');

    await alice.page.getByTestId('tb-undo').click();
    await expect(alice.editor).not.toContainText('alice text');
    await expect(alice.editor).toContainText('bob text');
    await expect(bob.editor).not.toContainText('alice text');
    await alice.page.getByTestId('tb-redo').click();
    await expect(bob.editor).toContainText('alice text');
    await alice.waitSaved();
    await bob.waitSaved();
    await expect.poll(async () => (await alice.html()) === (await bob.html())).toBe(true);
  });
});
