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
