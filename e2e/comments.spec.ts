import type { Page } from '@playwright/test';
import { type AccessControlled, createLink, startAccessControlled } from './support/access.ts';
import { expect, freshDocId, test } from './support/fixtures.ts';

const OUT = 'test-results/comments';

/** Records every WebSocket the page opens (DESIGN C9: one per page). */
function countSockets(page: Page): string[] {
  const urls: string[] = [];
  page.on('websocket', (ws) => urls.push(ws.url()));
  return urls;
}

test.describe('comments', () => {
  test('[C9] a comment made in one tab appears in the other with its anchor highlighted; resolving hides it in both; one WebSocket per page', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    const aliceSockets = countSockets(alice.page);
    const bobSockets = countSockets(bob.page);
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Please review this sentence');
    await alice.waitSaved();
    await bob.open(docId);
    await expect(bob.editor).toContainText('Please review this sentence');

    const alicePanel = alice.page.getByTestId('comments-panel');
    const bobPanel = bob.page.getByTestId('comments-panel');
    await expect(alicePanel).toHaveAttribute('data-state', 'synced');
    await expect(bobPanel).toHaveAttribute('data-state', 'synced');

    // Alice selects "sentence" and comments on it.
    await alice.caretToEnd();
    await alice.page.keyboard.press('Control+Shift+ArrowLeft');
    await alicePanel.getByTestId('add-comment').click();
    await alicePanel.getByTestId('comment-input').fill('Is this the right word?');
    await alicePanel.getByTestId('comment-submit').click();
    await expect(alicePanel.getByTestId('comment-thread')).toHaveCount(1);
    await expect(alice.editor.locator('mark.comment-mark-active')).toHaveText('sentence');

    // Bob sees the thread and the highlighted anchor, live.
    const bobThread = bobPanel.getByTestId('comment-thread');
    await expect(bobThread).toHaveCount(1);
    await expect(bobThread).toContainText('sentence');
    await expect(bobThread).toContainText('Is this the right word?');
    await expect(bob.editor.locator('mark.comment-mark-active')).toHaveText('sentence');

    // Bob replies; Alice sees the reply.
    await bobThread.getByTestId('reply-input').fill('Yes, keep it.');
    await bobThread.getByTestId('reply-submit').click();
    await expect(alicePanel.getByTestId('comment')).toHaveText([
      /Is this the right word\?/,
      /Yes, keep it\./,
    ]);
    await alice.page.screenshot({ path: `${OUT}/comment-alice.png` });
    await bob.page.screenshot({ path: `${OUT}/comment-bob.png` });

    // The anchor moves with the text: typing before it keeps the mark on the same word.
    await alice.caretToEnd();
    await alice.page.keyboard.press('Home');
    await alice.page.keyboard.type('Note: ');
    await expect(bob.editor).toContainText('Note: Please review this sentence');
    await expect(bob.editor.locator('mark.comment-mark-active')).toHaveText('sentence');

    // Alice resolves it: it is gone from both panels and no longer highlighted in both tabs.
    await alicePanel.getByTestId('resolve-thread').click();
    for (const [user, panel] of [
      [alice, alicePanel],
      [bob, bobPanel],
    ] as const) {
      await expect(panel.getByTestId('comment-thread')).toHaveCount(0);
      await expect(user.editor.locator('mark.comment-mark-active')).toHaveCount(0);
      await expect(user.editor.locator('mark.comment-mark')).toHaveText('sentence');
    }
    await bob.page.screenshot({ path: `${OUT}/comment-resolved-bob.png` });

    // Bob opens the history panel: its room joins his socket too.
    await bob.page.getByTestId('history-button').click();
    await expect(bob.page.getByTestId('history-panel')).toHaveAttribute('data-state', 'synced');
    await bob.page.screenshot({ path: `${OUT}/history-open-bob.png` });

    // One WebSocket per page for the document, its comments and (Bob) its history.
    await expect(bob.page.getByTestId('comments-panel')).toHaveAttribute('data-state', 'synced');
    expect(aliceSockets).toHaveLength(1);
    expect(bobSockets).toHaveLength(1);
    expect(bobSockets[0]).toMatch(/\/rooms$/);
  });

  test('[W3][C9] a comment made offline is kept on this device through a reload and reaches the other tab once online', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Commented while offline');
    await alice.waitSaved();
    await bob.open(docId);
    const alicePanel = alice.page.getByTestId('comments-panel');
    const bobPanel = bob.page.getByTestId('comments-panel');
    await expect(alicePanel).toHaveAttribute('data-state', 'synced');
    await expect(bobPanel).toHaveAttribute('data-state', 'synced');

    await alice.context.setOffline(true);
    await expect(alice.status).toHaveAttribute('data-state', 'offline');
    await alice.caretToEnd();
    await alice.page.keyboard.press('Control+Shift+ArrowLeft');
    await alicePanel.getByTestId('add-comment').click();
    await alicePanel.getByTestId('comment-input').fill('Written on the train');
    await alicePanel.getByTestId('comment-submit').click();
    await expect(alicePanel.getByTestId('comment-thread')).toHaveCount(1);
    await expect(alicePanel).toHaveAttribute('data-unsynced', 'true');
    await expect(alicePanel.getByTestId('comments-unsynced')).toBeVisible();
    await alice.page.screenshot({ path: `${OUT}/comment-offline-alice.png` });
    await alice.flushLocalCopy(docId);
    await alice.flushLocalCopy(`${docId}/comments`);

    // Reload with the page served but the API (and so every socket) still cut: the comment
    // comes back from this device alone.
    await alice.context.route('**/api/**', (route) => route.abort('internetdisconnected'));
    await alice.context.setOffline(false);
    await alice.page.reload();
    const thread = alice.page.getByTestId('comments-panel').getByTestId('comment-thread');
    await expect(thread).toHaveCount(1);
    await expect(thread).toContainText('Written on the train');
    await expect(bobPanel.getByTestId('comment-thread')).toHaveCount(0);

    // Back online: it is saved, and Bob gets it (and its anchor) exactly once.
    await alice.context.unroute('**/api/**');
    await alice.waitSaved();
    await expect(alice.page.getByTestId('comments-panel')).toHaveAttribute(
      'data-unsynced',
      'false',
    );
    const bobThread = bobPanel.getByTestId('comment-thread');
    await expect(bobThread).toHaveCount(1);
    await expect(bobThread).toContainText('Written on the train');
    await expect(bob.editor.locator('mark.comment-mark-active')).toHaveText('offline');
    await expect(bobThread.getByTestId('comment')).toHaveCount(1);
  });

  test('a comment can be deleted: its thread and its anchor go in both tabs', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Delete me later');
    await alice.waitSaved();
    await bob.open(docId);
    const alicePanel = alice.page.getByTestId('comments-panel');
    await expect(alicePanel).toHaveAttribute('data-state', 'synced');
    await alice.caretToEnd();
    await alice.page.keyboard.press('Control+Shift+ArrowLeft');
    await alicePanel.getByTestId('add-comment').click();
    await alicePanel.getByTestId('comment-input').fill('Remove?');
    await alicePanel.getByTestId('comment-submit').click();
    await expect(bob.editor.locator('mark.comment-mark-active')).toHaveText('later');
    await bob.page.getByTestId('comments-panel').getByTestId('delete-thread').click();
    for (const user of [alice, bob]) {
      await expect(user.page.getByTestId('comment-thread')).toHaveCount(0);
      await expect(user.editor.locator('mark')).toHaveCount(0);
      await expect(user.editor).toContainText('Delete me later');
    }
  });
});

test.describe('comments with access control', () => {
  let site: AccessControlled | undefined;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    site = await startAccessControlled();
  });
  test.afterEach(async () => {
    await site?.closeContexts();
  });
  test.afterAll(async () => {
    await site?.stop();
  });

  test('[P21] a view link reads comments live but cannot add, reply, resolve or delete', async ({
    browser,
  }) => {
    if (!site) throw new Error('site not started');
    const docId = freshDocId();
    const alice = await site.person(browser, 'Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Shared words');
    await alice.waitSaved();
    const viewUrl = await createLink(alice, 'view');
    await alice.page.keyboard.press('Escape');

    const carol = await site.person(browser, 'Carol');
    const carolSockets = countSockets(carol.page);
    await carol.page.goto(viewUrl);
    await carol.waitSynced();
    const carolPanel = carol.page.getByTestId('comments-panel');
    await expect(carolPanel).toHaveAttribute('data-state', 'synced');

    const alicePanel = alice.page.getByTestId('comments-panel');
    await alice.caretToEnd();
    await alice.page.keyboard.press('Control+Shift+ArrowLeft');
    await alicePanel.getByTestId('add-comment').click();
    await alicePanel.getByTestId('comment-input').fill('Visible to viewers');
    await alicePanel.getByTestId('comment-submit').click();

    await expect(carolPanel.getByTestId('comment-thread')).toContainText('Visible to viewers');
    await expect(carol.editor.locator('mark.comment-mark-active')).toHaveText('words');
    await expect(carolPanel.getByTestId('add-comment')).toHaveCount(0);
    await expect(carolPanel.getByTestId('reply-input')).toHaveCount(0);
    await expect(carolPanel.getByTestId('resolve-thread')).toHaveCount(0);
    await expect(carolPanel.getByTestId('delete-thread')).toHaveCount(0);
    expect(carolSockets).toHaveLength(1);
  });
});
