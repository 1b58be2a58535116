import { expect, occurrences, test } from './support/fixtures.ts';

test.describe('bootstrap', () => {
  test('[W4] five tabs opening a brand-new document at once show the initial content exactly once', async ({
    users,
    docId,
  }) => {
    const tabs = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((n) => users.create(`User ${n}`)));
    await Promise.all(tabs.map((t) => t.page.goto(`/d/${docId}`)));
    await Promise.all(tabs.map((t) => t.waitSynced()));
    for (const tab of tabs) {
      await expect(tab.editor.locator('h1')).toHaveCount(1);
      await expect(tab.editor.locator('h1')).toHaveText('Untitled document');
      expect(occurrences(await tab.text(), 'Untitled document')).toBe(1);
    }
    const html = await tabs[0]!.html();
    for (const tab of tabs) await expect.poll(() => tab.html()).toBe(html);
  });
});
