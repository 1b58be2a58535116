import type { EditorUser } from './support/fixtures.ts';
import { expect, test } from './support/fixtures.ts';

/** Resolves once the editor of `user` holds exactly `length` characters of text. */
async function waitForLength(user: EditorUser, length: number): Promise<void> {
  await user.page.waitForFunction(
    (n) => document.querySelector('[data-testid="editor"]')?.textContent?.length === n,
    length,
  );
}

test.describe('concurrent typing', () => {
  test('two people typing at one spot each keep their run of letters together', async ({
    users,
    docId,
  }) => {
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('Notes: ');
    await expect(bob.editor).toContainText('Notes: ');
    await bob.caretToEnd();

    const aliceRun = 'alpha bravo charlie delta';
    const bobRun = 'one two three four five six';
    let length = (await alice.editor.textContent())?.length ?? 0;
    // Keystrokes alternate and each one reaches the other tab before the next: every letter
    // lands at the spot where the other person's caret is, which is what interleaved them.
    for (let i = 0; i < Math.max(aliceRun.length, bobRun.length); i++) {
      for (const [user, run] of [
        [alice, aliceRun],
        [bob, bobRun],
      ] as const) {
        const char = run[i];
        if (char === undefined) continue;
        await user.page.keyboard.type(char);
        length += 1;
        await waitForLength(alice, length);
        await waitForLength(bob, length);
      }
    }
    for (const user of [alice, bob]) {
      await expect(user.editor).toContainText(aliceRun);
      await expect(user.editor).toContainText(bobRun);
    }
    expect(await alice.html()).toBe(await bob.html());
  });
});
