import { Etcd3 } from 'etcd3';
import { setConfig } from '../ring/etcd/config-watcher.ts';
import { expect, test } from './support/fixtures.ts';

test.describe('version gate', () => {
  test('[C6] an outdated build sees the banner, reloads once, and its unsynced text survives', async ({
    users,
    docId,
    env,
  }) => {
    const etcd = new Etcd3({ hosts: [env.etcd] });
    try {
      const alice = await users.create('Alice');
      let loads = 0;
      alice.page.on('load', () => {
        loads++;
      });
      // The tab reloads by itself with its text kept on the device: no "Leave site?" question.
      const dialogs: string[] = [];
      alice.page.on('dialog', (dialog) => {
        dialogs.push(dialog.type());
        void dialog.accept();
      });
      await alice.open(docId, '?build=0.0.1');
      await alice.caretToEnd();
      await alice.page.keyboard.type('saved with the old build. ');
      await alice.waitSaved();

      await alice.context.setOffline(true);
      await expect(alice.status).toHaveAttribute('data-state', 'offline');
      await alice.page.keyboard.type('typed offline with the old build');
      await setConfig(etcd, env.prefix, 'min-client-build', '0.1.0');
      await alice.context.setOffline(false);

      // Refused on reconnect: banner, one reload, then the banner again without a loop.
      const banner = alice.page.getByTestId('upgrade-banner');
      await expect(banner).toContainText('A newer version of the editor is required');
      await expect(banner).toHaveAttribute('data-reload-blocked', 'true');
      expect(loads).toBe(2);
      expect(dialogs).toEqual([]);
      await expect(alice.status).toHaveAttribute('data-state', 'upgrade-required');
      await expect(alice.editor).toContainText('typed offline with the old build');

      // The "new build" (no override) syncs the text kept in IndexedDB.
      await alice.page.goto(`/d/${docId}`);
      await alice.waitSaved();
      await expect(alice.editor).toContainText('typed offline with the old build');
      const bob = await users.create('Bob');
      await bob.open(docId);
      await expect(bob.editor).toContainText('typed offline with the old build');
    } finally {
      await setConfig(etcd, env.prefix, 'min-client-build', undefined);
      etcd.close();
    }
  });

  test('[C6] a connected outdated tab is told to upgrade live when ops raise the minimum build', async ({
    users,
    docId,
    env,
  }) => {
    const etcd = new Etcd3({ hosts: [env.etcd] });
    try {
      const alice = await users.create('Alice');
      await alice.open(docId, '?build=0.0.2');
      await alice.caretToEnd();
      await alice.page.keyboard.type('before the gate');
      await alice.waitSaved();
      await setConfig(etcd, env.prefix, 'min-client-build', '0.1.0');
      await expect(alice.page.getByTestId('upgrade-banner')).toHaveAttribute(
        'data-reload-blocked',
        'true',
      );
      await expect(alice.editor).toContainText('before the gate');
    } finally {
      await setConfig(etcd, env.prefix, 'min-client-build', undefined);
      etcd.close();
    }
  });
});
