import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './support/fixtures.ts';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/screenshots');

/**
 * Regenerates the screenshots committed under docs/screenshots/. Skipped unless
 * `RINGDOC_SCREENSHOTS=1`, so ordinary runs leave the committed images alone.
 */
test.describe('screenshots', () => {
  test.skip(
    !process.env.RINGDOC_SCREENSHOTS,
    'set RINGDOC_SCREENSHOTS=1 to regenerate docs/screenshots',
  );

  test('the editor with two users, and the document list', async ({ users, request }) => {
    const created = await request.post('/api/docs', { data: { title: 'Release notes 0.2' } });
    const { doc } = (await created.json()) as { doc: { id: string } };
    await request.post('/api/docs', { data: { title: 'Ring migration runbook' } });
    await request.post('/api/docs', { data: { title: 'Team offsite agenda' } });

    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(doc.id);
    await bob.open(doc.id);

    await alice.caretToEnd();
    await alice.page.keyboard.type('Documents now live on a ');
    await alice.page.getByTestId('tb-bold').click();
    await alice.page.keyboard.type('consistent-hash ring');
    await alice.page.getByTestId('tb-bold').click();
    await alice.page.keyboard.type(': every node computes the same owner for every document.');
    await alice.page.keyboard.press('Enter');
    await alice.page.getByTestId('tb-h2').click();
    await alice.page.keyboard.type('What changed');
    await alice.page.keyboard.press('Enter');
    await alice.page.getByTestId('tb-bullet').click();
    await alice.page.keyboard.type('Edits are acknowledged only once durable');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Offline edits sync when you are back');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Redirects take you to the owner node');
    await expect(bob.editor).toContainText('Redirects take you to the owner node');

    await bob.editor.getByText('Offline edits sync when you are back').dblclick();
    await alice.waitSaved();
    await bob.waitSaved();
    await expect(alice.page.getByTestId('remote-cursors')).toContainText('Bob');
    await alice.page.screenshot({ path: `${OUT}/editor-two-users.png` });

    await alice.page.setViewportSize({ width: 390, height: 760 });
    await alice.page.screenshot({ path: `${OUT}/editor-narrow.png` });

    await alice.page.setViewportSize({ width: 1200, height: 800 });
    await alice.page.goto('/');
    await expect(alice.page.getByTestId('doc-list')).toContainText('Ring migration runbook');
    await alice.page.screenshot({ path: `${OUT}/document-list.png` });
  });
});
