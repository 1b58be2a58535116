import { expect, test } from './support/fixtures.ts';

test.describe('bootstrap', () => {
  test('[W4] five tabs creating a brand-new document at once show the initial content exactly once', async ({
    users,
    docId,
  }) => {
    const tabs = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((n) => users.create(`User ${n}`)));
    await Promise.all(tabs.map((t) => t.page.goto(`/d/${docId}`)));
    // Everyone is offered to create it, and everyone accepts at once.
    await Promise.all(tabs.map((t) => expect(t.page.getByTestId('create-document')).toBeVisible()));
    await Promise.all(tabs.map((t) => t.page.getByTestId('create-document').click()));
    await Promise.all(tabs.map((t) => t.waitSynced()));
    for (const tab of tabs) {
      await expect(tab.editor.locator(':scope > *')).toHaveCount(1);
      await expect(tab.editor.locator(':scope > p')).toHaveCount(1);
      await expect(tab.page.getByTestId('doc-title')).toHaveValue('Untitled document');
    }
    const html = await tabs[0]!.html();
    for (const tab of tabs) await expect.poll(() => tab.html()).toBe(html);
  });
});
