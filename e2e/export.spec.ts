import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, freshDocId, test } from './support/fixtures.ts';

async function download(page: Page, item: string): Promise<{ name: string; text: string }> {
  await page.getByTestId('export-button').click();
  const pending = page.waitForEvent('download');
  await page.getByTestId(item).click();
  const file = await pending;
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

test.describe('export', () => {
  test('Markdown and HTML exports keep headings, lists, links, code and tables; HTML pastes back the same', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    const { page, editor } = alice;
    await page.getByTestId('doc-title').fill('Release notes');
    await page.getByTestId('doc-title').press('Enter');
    await alice.caretToEnd();
    for (const line of ['## Steps', '- build it', 'test it', '', 'See example.com/docs now']) {
      await page.keyboard.type(line);
      await page.keyboard.press('Enter');
    }
    await page.keyboard.type('``` ');
    await page.keyboard.type('npm test');
    // Out of the code block into the paragraph after it; typing there also brings Lexical's
    // selection along (it follows the DOM's asynchronously) before the paste.
    await page.keyboard.press('Control+End');
    await page.keyboard.type('Team:');
    await expect(editor.locator('p', { hasText: 'Team:' })).toHaveCount(1);
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.setData(
        'text/html',
        '<table><tr><th>Name</th><th>Role</th></tr><tr><td>Ada</td><td>Engineer</td></tr></table>',
      );
      document
        .querySelector('[data-testid="editor"]')
        ?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    });
    await expect(editor.locator('table td')).toHaveText(['Ada', 'Engineer']);
    await alice.waitSaved();

    const md = await download(page, 'export-markdown');
    expect(md.name).toBe('release-notes.md');
    expect(md.text).toContain('# Release notes');
    expect(md.text).toContain('## Steps');
    expect(md.text).toContain('- build it\n- test it');
    expect(md.text).toContain('[example.com/docs](https://example.com/docs)');
    expect(md.text).toMatch(/```\w*\nnpm test\n```/);
    expect(md.text).toContain('| Name | Role |\n| --- | --- |\n| Ada | Engineer |');

    const html = await download(page, 'export-html');
    expect(html.name).toBe('release-notes.html');
    const body = html.text.slice(html.text.indexOf('<body>') + 6, html.text.indexOf('</body>'));

    // Round trip: the exported HTML pasted into a new document gives the same structure.
    const copyId = freshDocId();
    await alice.open(copyId);
    await alice.caretToEnd();
    await page.evaluate((h) => {
      const data = new DataTransfer();
      data.setData('text/html', h);
      document
        .querySelector('[data-testid="editor"]')
        ?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, body);
    await expect(editor.locator('h1')).toHaveText(['Release notes']);
    await expect(editor.locator('h2')).toHaveText(['Steps']);
    await expect(editor.locator('ul li')).toHaveText(['build it', 'test it']);
    await expect(editor.locator('a')).toHaveAttribute('href', 'https://example.com/docs');
    await expect(editor.locator('code.rd-code-block')).toHaveText('npm test');
    await expect(editor.locator('table th')).toHaveText(['Name', 'Role']);
    await expect(editor.locator('table td')).toHaveText(['Ada', 'Engineer']);
    await alice.waitSaved();
  });
});
