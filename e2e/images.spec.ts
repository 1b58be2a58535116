import type { Page } from '@playwright/test';
import { type EditorUser, expect, test } from './support/fixtures.ts';

/** Pastes a generated 120×80 PNG into the editor of `page`, as a browser paste of a file. */
async function pastePng(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 120;
    canvas.height = 80;
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    ctx.fillStyle = '#1d4ed8';
    ctx.fillRect(0, 0, 120, 80);
    ctx.fillStyle = '#fbbf24';
    ctx.fillRect(30, 20, 60, 40);
    const blob = await new Promise<Blob>((resolve) =>
      canvas.toBlob((b) => resolve(b as Blob), 'image/png'),
    );
    const data = new DataTransfer();
    data.items.add(new File([blob], 'diagram.png', { type: 'image/png' }));
    document
      .querySelector('[data-testid="editor"]')
      ?.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
  });
}

/** Waits until `user` shows one decoded 120×80 image. */
async function expectImage(user: EditorUser): Promise<void> {
  const img = user.editor.getByTestId('image');
  await expect(img).toHaveCount(1);
  await expect(img).toHaveAttribute('alt', 'diagram.png');
  await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(120);
}

test.describe('images', () => {
  test('an image pasted in one tab appears in the other and survives its owner node being killed', async ({
    users,
    docId,
    cluster,
  }) => {
    test.setTimeout(120_000);
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('Architecture:');
    await alice.page.keyboard.press('Enter');
    await pastePng(alice.page);
    await expectImage(alice);
    await expectImage(bob);
    await alice.waitSaved();

    const owner = (await alice.status.getAttribute('data-node')) ?? '';
    expect(owner).not.toBe('');
    await cluster.kill(owner);
    for (const user of [alice, bob]) {
      await expect(user.status).not.toHaveAttribute('data-node', owner);
      await expect(user.status).not.toHaveAttribute('data-node', '');
      await user.waitSynced();
    }
    // Someone new, with nothing on their device, gets the image from the surviving nodes.
    const carol = await users.create('Carol');
    await carol.open(docId);
    await expectImage(carol);
    await expect(carol.editor).toContainText('Architecture:');
  });
});
