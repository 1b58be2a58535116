import { expect, test } from './support/fixtures.ts';

test.describe('presence', () => {
  test("[W2] each user sees the other's name and cursor; closing a tab removes its presence", async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);

    const alicePeople = alice.page.getByTestId('presence-user');
    const bobPeople = bob.page.getByTestId('presence-user');
    await expect(alicePeople.and(alice.page.locator('[data-name="Bob"]'))).toHaveCount(1);
    await expect(bobPeople.and(bob.page.locator('[data-name="Alice"]'))).toHaveCount(1);
    await expect(
      alice.page.locator('[data-testid="presence-user"][data-self="true"]'),
    ).toHaveAttribute('data-name', 'Alice');

    // A caret in the editor shows as a named cursor on the other side.
    await alice.caretToEnd();
    await alice.page.keyboard.type('Alice was here');
    await bob.caretToEnd();
    await expect(alice.page.getByTestId('remote-cursors')).toContainText('Bob');
    await expect(bob.page.getByTestId('remote-cursors')).toContainText('Alice');

    // A rename reaches the others without a reconnect.
    await bob.page.getByTestId('display-name').fill('Robert');
    await expect(alicePeople.and(alice.page.locator('[data-name="Robert"]'))).toHaveCount(1);

    await bob.context.close();
    await expect(alice.page.getByTestId('presence')).toHaveAttribute('data-count', '1');
    await expect(alice.page.getByTestId('remote-cursors')).not.toContainText('Robert');
  });
});
