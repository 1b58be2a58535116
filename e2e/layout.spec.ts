import { expect, test } from './support/fixtures.ts';

test.describe('layout', () => {
  test('[W1] the editor works in a narrow window without horizontal scrolling', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    await alice.page.setViewportSize({ width: 360, height: 740 });
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.getByTestId('tb-number').click();
    await alice.page.keyboard.type('a numbered item typed on a phone-sized screen');
    await alice.waitSaved();
    await expect(alice.editor.locator('ol li')).toHaveCount(1);
    const overflow = await alice.page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(alice.page.getByTestId('toolbar')).toBeVisible();
    await expect(alice.status).toBeVisible();
  });
});

test.describe('always-visible status', () => {
  for (const width of [1200, 390]) {
    test(`the status bar and presence stay in view at the end of a long document (${width} px)`, async ({
      users,
      docId,
    }) => {
      const alice = await users.create('Alice');
      const bob = await users.create('Bob');
      await alice.page.setViewportSize({ width, height: 760 });
      await alice.open(docId);
      await bob.open(docId);
      await alice.caretToEnd();
      for (let i = 0; i < 45; i++) {
        await alice.page.keyboard.insertText(`Paragraph ${i} of a long document.`);
        await alice.page.keyboard.press('Enter');
      }
      await alice.page.keyboard.insertText('The very end.');
      await alice.waitSaved();
      await expect(alice.editor.getByText('The very end.')).toBeInViewport();
      await expect(alice.status).toBeInViewport();
      await expect(alice.status).toHaveAttribute('data-state', 'saved');
      await expect(alice.page.getByTestId('presence-user')).toHaveCount(2);
      for (const person of await alice.page.getByTestId('presence-user').all()) {
        await expect(person).toBeInViewport();
      }
      // And at the top of the document, scrolled away from the end.
      await alice.page.keyboard.press('Control+Home');
      await expect(alice.editor.getByText('Paragraph 0 of')).toBeInViewport();
      await expect(alice.editor.getByText('The very end.')).not.toBeInViewport();
      await expect(alice.status).toBeInViewport();
      // The toolbar stays one compact row, also on a phone.
      const toolbar = await alice.page.getByTestId('toolbar').boundingBox();
      expect(toolbar?.height ?? 0).toBeLessThan(width < 600 ? 64 : 110);
      await expect(alice.page.getByTestId('toolbar')).toBeInViewport();
    });
  }
});
