import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';

/** Pastes `html` (and its plain text) into the focused editor, as a browser paste would. */
async function pasteHtml(page: Page, html: string, text: string): Promise<void> {
  await page.evaluate(
    ([h, t]) => {
      const data = new DataTransfer();
      data.setData('text/html', h as string);
      data.setData('text/plain', t as string);
      const target = document.querySelector('[data-testid="editor"]') as HTMLElement;
      target.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    },
    [html, text],
  );
}

test.describe('rich paste', () => {
  test('a pasted table, code block, checklist and strikethrough keep their structure in every tab', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('Code:');
    await expect(alice.editor.locator('p', { hasText: 'Code:' })).toHaveCount(1);
    await pasteHtml(
      alice.page,
      '<pre><code>function add(a, b) {\n  return a + b;\n}</code></pre>',
      'function add(a, b) {\n  return a + b;\n}',
    );
    await pasteHtml(
      alice.page,
      '<ul class="contains-task-list"><li class="task-list-item"><input type="checkbox" checked disabled> ship it</li><li class="task-list-item"><input type="checkbox" disabled> write docs</li></ul><p>old <del>price</del> <s>gone</s></p>',
      'ship it\nwrite docs\nold price gone',
    );
    // After a code block (or a table) there is always a paragraph to go on in.
    await alice.page.keyboard.press('Control+End');
    await expect(alice.editor.locator(':scope > :last-child')).toHaveJSProperty('tagName', 'P');
    // Typing brings Lexical's selection (which follows the DOM's asynchronously) along.
    await alice.page.keyboard.type('Team:');
    await expect(alice.editor.locator('p', { hasText: 'Team:' })).toHaveCount(1);
    await pasteHtml(
      alice.page,
      '<table><thead><tr><th>Name</th><th>Role</th></tr></thead><tbody><tr><td>Ada</td><td>Engineer</td></tr><tr><td>Linus</td><td>Maintainer</td></tr></tbody></table>',
      'Name\tRole\nAda\tEngineer\nLinus\tMaintainer',
    );
    await expect(alice.editor.locator(':scope > :last-child')).toHaveJSProperty('tagName', 'P');
    for (const user of [alice, bob]) {
      const e = user.editor;
      await expect(e.locator('table')).toHaveCount(1);
      await expect(e.locator('table tr')).toHaveCount(3);
      await expect(e.locator('table th')).toHaveText(['Name', 'Role']);
      await expect(e.locator('table td')).toHaveText(['Ada', 'Engineer', 'Linus', 'Maintainer']);
      await expect(e.locator('code.rd-code-block')).toHaveCount(1);
      await expect(e.locator('code.rd-code-block')).toContainText('return a + b;');
      await expect(e.locator('li[role="checkbox"]')).toHaveText(['ship it', 'write docs']);
      await expect(e.locator('li[aria-checked="true"]')).toHaveText(['ship it']);
      await expect(e.locator('.rd-strike')).toHaveText(['price', 'gone']);
    }
    await alice.waitSaved();
    await expect.poll(() => bob.html()).toBe(await alice.html());
  });
});
