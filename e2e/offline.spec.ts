import { expect, occurrences, test } from './support/fixtures.ts';

test.describe('offline and reload', () => {
  test('[W3] edits made offline sync after reconnecting, nothing lost or duplicated', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('online start.');
    await alice.waitSaved();

    await alice.context.setOffline(true);
    await expect(alice.status).toHaveAttribute('data-state', 'offline');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('typed while offline');
    await expect(alice.status).toHaveAttribute('data-unsynced', 'true');

    await bob.caretToEnd();
    await bob.page.keyboard.press('Enter');
    await bob.page.keyboard.type('typed by bob meanwhile');
    await bob.waitSaved();
    await expect(bob.editor).not.toContainText('typed while offline');

    await alice.context.setOffline(false);
    await alice.waitSaved();
    await expect(bob.editor).toContainText('typed while offline');
    await expect(alice.editor).toContainText('typed by bob meanwhile');
    for (const user of [alice, bob]) {
      const text = await user.text();
      expect(occurrences(text, 'typed while offline')).toBe(1);
      expect(occurrences(text, 'typed by bob meanwhile')).toBe(1);
      expect(occurrences(text, 'online start.')).toBe(1);
    }
    await expect.poll(async () => (await alice.html()) === (await bob.html())).toBe(true);
  });

  test('[W3] text typed just before a reload is still there after it', async ({ users, docId }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('last words before reload');
    await alice.page.reload();
    await alice.waitSynced();
    await expect(alice.editor).toContainText('last words before reload');
    await alice.waitSaved();
    expect(occurrences(await alice.text(), 'last words before reload')).toBe(1);

    const bob = await users.create('Bob');
    await bob.open(docId);
    await expect(bob.editor).toContainText('last words before reload');
    expect(occurrences(await bob.text(), 'last words before reload')).toBe(1);
  });

  test('[W3] a reload while offline shows the copy kept on this device and syncs it later', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    await alice.context.setOffline(true);
    await expect(alice.status).toHaveAttribute('data-state', 'offline');
    await alice.caretToEnd();
    await alice.page.keyboard.type('kept in indexeddb');
    await expect(alice.editor).toContainText('kept in indexeddb');
    await alice.flushLocalCopy(docId);
    // Reloading needs the page itself; serve it, but keep the socket and API offline (the API
    // is cut first, or the tab's `online` handler reaches a node before the reload).
    await alice.context.route('**/api/**', (route) => route.abort('internetdisconnected'));
    await alice.context.setOffline(false);
    await alice.page.reload();
    await expect(alice.editor).toContainText('kept in indexeddb');
    await alice.context.unroute('**/api/**');
    await alice.waitSaved();

    const bob = await users.create('Bob');
    await bob.open(docId);
    await expect(bob.editor).toContainText('kept in indexeddb');
    expect(occurrences(await bob.text(), 'kept in indexeddb')).toBe(1);
  });

  test('[W3] keystrokes typed while disconnected right before a reload survive it (no wait for IndexedDB) and sync once', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    // Every document socket goes through this route: while `cut`, new ones are closed at once.
    let cut = false;
    await alice.context.routeWebSocket(/\/doc\//, (ws) => {
      if (cut) ws.close({ code: 1001, reason: 'test: no connection' });
      else ws.connectToServer();
    });
    await alice.open(docId);
    cut = true;
    await alice.context.setOffline(true);
    await expect(alice.status).toHaveAttribute('data-state', 'offline');
    await alice.context.setOffline(false);
    await alice.caretToEnd();
    // Typed and reloaded at once: the page goes away while IndexedDB may still be writing.
    await alice.page.keyboard.type('typed then reloaded at once');
    await alice.page.reload();
    await expect(alice.editor).toContainText('typed then reloaded at once');
    cut = false;
    await alice.waitSaved();
    expect(occurrences(await alice.text(), 'typed then reloaded at once')).toBe(1);

    const bob = await users.create('Bob');
    await bob.open(docId);
    await expect(bob.editor).toContainText('typed then reloaded at once');
    expect(occurrences(await bob.text(), 'typed then reloaded at once')).toBe(1);
  });
});
