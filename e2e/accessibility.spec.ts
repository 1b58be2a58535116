import { seriousAxeFindings } from './support/axe.ts';
import { expect, test } from './support/fixtures.ts';

test.describe('accessibility', () => {
  test('axe finds nothing serious on the list, editor and ops pages, light and dark', async ({
    users,
    docId,
    request,
  }) => {
    await request.post('/api/docs', { data: { title: 'Axe check' } });
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('# Heading');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Some text with a link example.com and a list:');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('- one');
    await alice.waitSaved();
    for (const scheme of ['light', 'dark'] as const) {
      await alice.page.emulateMedia({ colorScheme: scheme });
      expect(await seriousAxeFindings(alice.page), `editor (${scheme})`).toEqual([]);
    }
    await alice.page.goto('/');
    await expect(alice.page.getByTestId('doc-list')).toBeVisible();
    expect(await seriousAxeFindings(alice.page), 'document list').toEqual([]);
    await alice.page.goto('/ops');
    await expect(alice.page.locator('svg').first()).toBeVisible();
    expect(await seriousAxeFindings(alice.page), 'ops page').toEqual([]);
  });

  test('the toolbar is one Tab stop with arrow keys inside; the editor is a multi-line text box', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    const { page } = alice;
    await expect(alice.editor).toHaveAttribute('aria-multiline', 'true');
    await expect(alice.editor).toHaveAttribute('role', 'textbox');
    // From the last header control: one Tab reaches the toolbar, the next leaves it for the text.
    await page.getByTestId('history-button').focus();
    await page.keyboard.press('Tab');
    const toolbar = page.getByTestId('toolbar');
    const focusedInToolbar = () =>
      page.evaluate(() => document.activeElement?.closest('[role="toolbar"]') !== null);
    expect(await focusedInToolbar()).toBe(true);
    const first = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    await page.keyboard.press('ArrowRight');
    const second = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    expect(second).not.toBe(first);
    expect(await focusedInToolbar()).toBe(true);
    await page.keyboard.press('End');
    await expect(toolbar.locator(':focus')).toHaveCount(1);
    await page.keyboard.press('Tab');
    await expect(alice.editor).toBeFocused();
  });
});

test.describe('dark mode', () => {
  test('follows the system preference, and back', async ({ users, docId }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    const background = () =>
      alice.page.evaluate(() => {
        const [r, g, b] = (getComputedStyle(document.body).backgroundColor.match(/\d+/g) ?? [])
          .slice(0, 3)
          .map(Number);
        return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
      });
    await alice.page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBeGreaterThan(200);
    await alice.page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBeLessThan(40);
    await expect(alice.page.locator('html')).toHaveCSS('color-scheme', 'dark');
    await alice.page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBeGreaterThan(200);
  });
});
