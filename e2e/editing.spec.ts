import type { Page } from '@playwright/test';
import { type EditorUser, expect, test } from './support/fixtures.ts';

/** Types `lines`, each followed by Enter (an empty string presses Enter once more). */
async function typeLines(page: Page, lines: string[]): Promise<void> {
  for (const line of lines) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
}

/**
 * Waits until Lexical itself holds a non-collapsed selection: it learns about keyboard
 * selections from asynchronous `selectionchange` events, so a format shortcut pressed at once
 * could still apply to the old, collapsed caret.
 */
async function waitRangeSelected(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const root = document.querySelector('[data-lexical-editor]') as
      | (Element & { __lexicalEditor?: { getEditorState(): { _selection: unknown } } })
      | null;
    const selection = root?.__lexicalEditor?.getEditorState()._selection as
      | { isCollapsed?: () => boolean }
      | null
      | undefined;
    return typeof selection?.isCollapsed === 'function' && !selection.isCollapsed();
  });
}

/** Both tabs show the same structure once everything is saved. */
async function sameEverywhere(a: EditorUser, b: EditorUser): Promise<void> {
  await a.waitSaved();
  await expect.poll(() => b.html()).toBe(await a.html());
}

test.describe('editing', () => {
  test('Markdown shortcuts turn into blocks and formats, in both tabs', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await alice.caretToEnd();
    const { page } = alice;
    await typeLines(page, ['# Big title', '## Section', '### Detail']);
    await typeLines(page, ['- apple', 'pear', '']);
    await typeLines(page, ['1. first', 'second', '']);
    await typeLines(page, ['[ ] buy milk', '', '[x] done already', '']);
    await typeLines(page, ['> a wise quote']);
    await page.keyboard.type('``` ');
    await page.keyboard.type('const x = 1;');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type('**strong** and *slanted* and ~~gone~~ and `npm test` end');

    for (const user of [alice, bob]) {
      const e = user.editor;
      await expect(e.locator('h1', { hasText: 'Big title' })).toHaveCount(1);
      await expect(e.locator('h2')).toHaveText(['Section']);
      await expect(e.locator('h3')).toHaveText(['Detail']);
      await expect(e.locator('ul:not(.rd-checklist) > li')).toHaveText(['apple', 'pear']);
      await expect(e.locator('ol > li')).toHaveText(['first', 'second']);
      await expect(e.locator('li[role="checkbox"]')).toHaveText(['buy milk', 'done already']);
      await expect(e.locator('li[aria-checked="true"]')).toHaveText(['done already']);
      await expect(e.locator('blockquote')).toHaveText(['a wise quote']);
      await expect(e.locator('code.rd-code-block')).toContainText('const x = 1;');
      await expect(e.locator('strong')).toHaveText(['strong']);
      await expect(e.locator('em')).toHaveText(['slanted']);
      await expect(e.locator('.rd-strike')).toHaveText(['gone']);
      await expect(e.locator('code:not(.rd-code-block)')).toHaveText(['npm test']);
    }
    await sameEverywhere(alice, bob);
  });

  test('every toolbar action and its keyboard shortcut', async ({ users, docId }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    const { page, editor } = alice;
    const blocks: [string, string, string][] = [
      ['tb-h1', 'Control+Alt+1', 'h1'],
      ['tb-h2', 'Control+Alt+2', 'h2'],
      ['tb-h3', 'Control+Alt+3', 'h3'],
      ['tb-bullet', 'Control+Shift+8', 'ul:not(.rd-checklist) li'],
      ['tb-number', 'Control+Shift+7', 'ol li'],
      ['tb-check', 'Control+Shift+9', 'li[role="checkbox"]'],
      ['tb-quote', 'Control+Alt+q', 'blockquote'],
      ['tb-code-block', 'Control+Alt+c', 'code.rd-code-block'],
    ];
    for (const [button, keys, selector] of blocks) {
      for (const how of ['button', 'keys'] as const) {
        const text = `${how} ${button}`;
        await page.keyboard.type(text);
        if (how === 'button') await page.getByTestId(button).click();
        else await page.keyboard.press(keys);
        await expect(editor.locator(selector, { hasText: text })).toHaveCount(1);
        await expect(page.getByTestId(button)).toHaveAttribute('aria-pressed', 'true');
        // Back to normal text for the next line.
        if (how === 'button') await page.getByTestId(button).click();
        else await page.keyboard.press(keys);
        await expect(editor.locator('p', { hasText: text })).toHaveCount(1);
        await page.keyboard.press('End');
        await page.keyboard.press('Enter');
      }
    }
    const formats: [string, string, string][] = [
      ['tb-bold', 'Control+b', 'strong'],
      ['tb-italic', 'Control+i', 'em'],
      ['tb-underline', 'Control+u', 'u, .rd-underline'],
      ['tb-strike', 'Control+Shift+x', '.rd-strike'],
      ['tb-code', 'Control+e', 'code:not(.rd-code-block)'],
    ];
    for (const [button, keys, selector] of formats) {
      for (const how of ['button', 'keys'] as const) {
        const word = `${how}${button.slice(3)}`;
        await page.keyboard.type(`${word} `);
        await page.keyboard.press('ArrowLeft');
        await page.keyboard.press('Control+Shift+ArrowLeft');
        await waitRangeSelected(page);
        if (how === 'button') await page.getByTestId(button).click();
        else await page.keyboard.press(keys);
        await expect(editor.locator(selector, { hasText: word })).toHaveCount(1);
        await page.keyboard.press('End');
      }
    }
    // Ctrl+K links the selected word; the toolbar's Link button does the same.
    await page.keyboard.type('linked');
    await page.keyboard.press('Control+Shift+ArrowLeft');
    await waitRangeSelected(page);
    await page.keyboard.press('Control+k');
    await page.getByTestId('link-url').fill('example.com');
    await page.keyboard.press('Enter');
    await expect(editor.locator('a[href="https://example.com"]')).toHaveText('linked');
    await expect(editor).toBeFocused();
    await alice.waitSaved();
  });

  test('Tab indents list items and Shift+Tab outdents; Tab elsewhere leaves the text', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    const { page, editor } = alice;
    await typeLines(page, ['- parent']);
    await page.keyboard.press('Tab');
    await page.keyboard.type('child');
    await expect(editor).toBeFocused();
    await expect(editor.locator('ul ul li')).toHaveText(['child']);
    await page.keyboard.press('Shift+Tab');
    await expect(editor.locator('ul ul li')).toHaveCount(0);
    await expect(editor.locator('ul > li')).toHaveText(['parent', 'child']);
    await alice.waitSaved();
  });

  test('Escape keeps the caret; undo goes word by word and redo works', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    const { page, editor } = alice;
    const paragraph = editor.locator('p').last();
    await page.keyboard.type('one two three');
    await page.keyboard.press('Escape');
    await expect(editor).toBeFocused();
    await page.keyboard.type(' four');
    await expect(paragraph).toHaveText('one two three four');
    await page.keyboard.press('Control+z');
    await expect(paragraph).toHaveText('one two three');
    await page.keyboard.press('Control+z');
    await expect(paragraph).toHaveText('one two');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+z');
    await expect(paragraph).toHaveText('one two three');
    await page.keyboard.press('Control+y');
    await expect(paragraph).toHaveText('one two three four');
    await expect(page.getByTestId('tb-redo')).toBeDisabled();
    await alice.waitSaved();
  });

  test('links: typed addresses link themselves; the popover shows, edits, opens and removes them', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await alice.caretToEnd();
    const { page, editor } = alice;
    await page.keyboard.type('Read example.com today');
    await expect(editor.locator('a[href="https://example.com"]')).toHaveText('example.com');
    await editor.locator('a').click();
    const open = page.getByTestId('link-open');
    await expect(open).toHaveAttribute('href', 'https://example.com');
    await expect(open).toHaveAttribute('target', '_blank');
    await page.getByTestId('link-edit').click();
    await page.getByTestId('link-url').fill('example.org/docs');
    await page.getByTestId('link-apply').click();
    await expect(editor.locator('a')).toHaveAttribute('href', 'https://example.org/docs');
    await expect(bob.editor.locator('a')).toHaveAttribute('href', 'https://example.org/docs');
    await expect(open).toHaveAttribute('href', 'https://example.org/docs');
    await page.getByTestId('link-remove').click();
    await expect(editor.locator('a')).toHaveCount(0);
    await expect(bob.editor.locator('a')).toHaveCount(0);
    await expect(editor).toContainText('Read example.com today');
    await sameEverywhere(alice, bob);
  });
});
