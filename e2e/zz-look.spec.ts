import { test } from './support/fixtures.ts';

test('look', async ({ users, docId }) => {
  const alice = await users.create('Alice');
  const bob = await users.create('Bob');
  await alice.open(docId);
  await bob.open(docId);
  await alice.caretToEnd();
  const p = alice.page;
  for (const line of [
    '# Launch plan',
    'Some intro text with **bold** and a link example.com here.',
    '- [ ] write spec',
    '- first bullet',
    'second',
    '',
    '> quote here',
    '',
  ]) {
    await p.keyboard.type(line);
    await p.keyboard.press('Enter');
  }
  for (let i = 0; i < 30; i++) {
    await p.keyboard.type(`Paragraph ${i} of a long document.`);
    await p.keyboard.press('Enter');
  }
  await alice.waitSaved();
  await p.screenshot({ path: '/tmp/look-desktop.png' });
  await p.setViewportSize({ width: 390, height: 760 });
  await p.screenshot({ path: '/tmp/look-phone.png' });
  await p.emulateMedia({ colorScheme: 'dark' });
  await p.screenshot({ path: '/tmp/look-phone-dark.png' });
  await p.setViewportSize({ width: 1200, height: 800 });
  await p.keyboard.press('Control+Home');
  await p.screenshot({ path: '/tmp/look-desktop-dark.png' });
});
