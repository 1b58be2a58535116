import { type EditorUser, expect, test } from './support/fixtures.ts';

test.describe('people and unsaved edits', () => {
  test('8 people who all stored the same colour get 8 distinct colours and readable initials', async ({
    users,
    docId,
  }) => {
    const names = ['Guest Otter', 'Guest Heron', 'Ada', 'Bob', 'Cy', 'Di', 'Ed', 'Flo'];
    const people: EditorUser[] = [];
    for (const name of names) {
      const user = await users.create(name);
      await user.context.addInitScript(() => localStorage.setItem('ringdoc:color', '#d1495b'));
      people.push(user);
    }
    await people[0]?.open(docId);
    await Promise.all(people.slice(1).map((p) => p.open(docId)));
    for (const person of people) {
      const avatars = person.page.getByTestId('presence-user');
      await expect(avatars).toHaveCount(8);
      await expect
        .poll(
          async () =>
            new Set(
              await avatars.evaluateAll((els) => els.map((e) => e.getAttribute('data-color'))),
            ).size,
        )
        .toBe(8);
    }
    // Every tab sees the same colour for each person.
    const colours = async (i: number) =>
      (
        await people[i]!.page.getByTestId('presence-user').evaluateAll((els) =>
          els.map((e) => `${e.getAttribute('data-name')}=${e.getAttribute('data-color')}`),
        )
      ).sort();
    const first = await colours(0);
    for (let i = 1; i < people.length; i++) await expect.poll(() => colours(i)).toEqual(first);
    const guests = people[2]!.page.locator(
      '[data-testid="presence-user"][data-name^="Guest"] .presence-avatar',
    );
    await expect(guests).toHaveText(['H', 'O']);
  });

  test('closing a tab with edits only on this device asks first; once saved it does not', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('Saved words.');
    await alice.waitSaved();
    const cancelled = () =>
      alice.page.evaluate(() => {
        const event = new Event('beforeunload', { cancelable: true });
        window.dispatchEvent(event);
        return event.defaultPrevented;
      });
    expect(await cancelled()).toBe(false);

    await alice.context.setOffline(true);
    await expect(alice.status).toHaveAttribute('data-state', 'offline');
    await alice.page.keyboard.type(' Only on this device.');
    await expect(alice.status).toHaveAttribute('data-unsynced', 'true');
    expect(await cancelled()).toBe(true);
    const dialog = alice.page.waitForEvent('dialog');
    await alice.page.close({ runBeforeUnload: true });
    const shown = await dialog;
    expect(shown.type()).toBe('beforeunload');
    await shown.accept();
  });
});

test.describe('mentions', () => {
  test('@ offers the people present; the chosen one becomes a mention in every tab', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await expect(alice.page.getByTestId('presence-user')).toHaveCount(2);
    await alice.caretToEnd();
    await alice.page.keyboard.type('Ask @Bo');
    await expect(alice.page.getByTestId('mention-option')).toHaveText(['Bob']);
    // Enter picks the highlighted option; until one is highlighted it is a new paragraph.
    await expect(alice.page.getByTestId('mention-option')).toHaveAttribute('aria-selected', 'true');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type(' about it');
    for (const user of [alice, bob]) {
      await expect(user.editor.locator('[data-mention="Bob"]')).toHaveText('@Bob');
      await expect(user.editor).toContainText('Ask @Bob about it');
    }
  });
});
