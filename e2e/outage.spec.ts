import { mkdirSync } from 'node:fs';
import { ownerAmong } from './support/control.ts';
import { expect, freshDocId, test } from './support/fixtures.ts';

const OUT = 'test-results/outage';

/**
 * What a person sees during an outage (issue 13, DESIGN M8 / W2): the owner of the document is
 * killed with SIGKILL. With the other nodes up the tab is served again elsewhere at once and
 * Bob's presence stays. To keep the outage on screen long enough to look at, the other two
 * nodes are then stopped as well: the status counts down to the real next attempt, says the
 * edits are kept on this device, offers "Retry now", and Bob stays listed, dimmed. Once the
 * nodes are back, "Retry now" reconnects at once, the edits typed during the outage are saved
 * and reach Bob, and presence is normal again.
 */
test.describe('an outage as a person sees it (M8)', () => {
  test('[M8][W2] kill -9 of the owner: countdown, edits kept on this device, Retry now works, presence dimmed then normal', async ({
    users,
    cluster,
    env,
  }) => {
    test.setTimeout(240_000);
    mkdirSync(OUT, { recursive: true });
    const base = env.nodes.map((n) => n.id);
    const docId = freshDocId();
    const owner = ownerAmong(docId, base, await cluster.vnodes());
    const alice = await users.create('Alice');
    const bob = await users.create('Bob');
    await alice.open(docId);
    await bob.open(docId);
    for (const u of [alice, bob]) {
      await expect(u.status).toHaveAttribute('data-node', owner, { timeout: 45_000 });
    }
    await alice.caretToEnd();
    await alice.page.keyboard.type('before the outage. ');
    await alice.waitSaved();
    const bobInAlice = alice.page.locator('[data-testid="presence-user"][data-name="Bob"]');
    await expect(bobInAlice).toHaveAttribute('data-stale', 'false');

    // 1. The owner alone dies: Alice is saved again on another node; Bob never vanishes.
    await cluster.kill(owner);
    await alice.page.keyboard.type('during the failover. ');
    await expect(alice.status).not.toHaveAttribute('data-node', owner, { timeout: 30_000 });
    await alice.waitSaved();
    await expect(bobInAlice).toBeVisible();

    // 2. The rest of the cluster goes down too: a visible outage.
    const others = base.filter((id) => id !== owner);
    for (const id of others) await cluster.kill(id);
    await expect(alice.status).toHaveAttribute('data-phase', 'waiting', { timeout: 30_000 });
    await alice.page.keyboard.type('typed while every node is down. ');
    const label = alice.status.locator('.status-label');
    await expect(label).toHaveText(/Reconnecting (in \d+ s|…) · edits kept on this device/);
    const retry = alice.page.getByTestId('retry-now');
    await expect(retry).toBeVisible();
    await expect(bobInAlice).toBeVisible();
    await expect(bobInAlice).toHaveAttribute('data-stale', 'true');
    // The countdown is the real next attempt: the number shown is the time until retryAt.
    const shown = Number((await label.textContent())?.match(/in (\d+) s/)?.[1] ?? 0);
    expect(shown).toBeGreaterThanOrEqual(0);
    await expect(alice.status).toHaveAttribute('data-phase', 'waiting');
    await alice.page.screenshot({ path: `${OUT}/outage-alice.png` });

    // 3. The nodes come back; "Retry now" reconnects without waiting for the countdown.
    for (const id of base) await cluster.start(id);
    await cluster.waitForRing(base);
    if (await retry.isVisible()) await retry.click().catch(() => {});
    await alice.waitSaved();
    await expect(alice.status).toHaveAttribute('data-phase', 'synced');
    await expect(alice.page.getByTestId('retry-now')).toHaveCount(0);
    await expect(bobInAlice).toHaveAttribute('data-stale', 'false', { timeout: 30_000 });
    await bob.waitSaved();
    for (const line of [
      'before the outage.',
      'during the failover.',
      'typed while every node is down.',
    ]) {
      await expect(bob.editor).toContainText(line, { timeout: 30_000 });
    }
    await alice.page.screenshot({ path: `${OUT}/back-alice.png` });
  });

  test('[M8][W2] Retry now starts the next attempt at once instead of at the countdown', async ({
    users,
    cluster,
    env,
  }) => {
    test.setTimeout(180_000);
    const base = env.nodes.map((n) => n.id);
    const docId = freshDocId();
    const alice = await users.create('Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.keyboard.type('kept. ');
    await alice.waitSaved();
    for (const id of base) await cluster.kill(id);
    await expect(alice.status).toHaveAttribute('data-phase', 'waiting', { timeout: 30_000 });
    // A countdown of several seconds (the backoff grows with every failed attempt).
    const label = alice.status.locator('.status-label');
    const seconds = async () => Number((await label.textContent())?.match(/in (\d+) s/)?.[1] ?? 0);
    await expect.poll(seconds, { timeout: 120_000, intervals: [100] }).toBeGreaterThanOrEqual(5);
    const shown = await seconds();
    // Every phase the status goes through from now on, noted in the page.
    await alice.page.evaluate(() => {
      const w = window as unknown as { __phases: string[] };
      w.__phases = [];
      const el = document.querySelector<HTMLElement>('[data-testid="status"]');
      if (!el) throw new Error('no status line');
      new MutationObserver(() => w.__phases.push(el.dataset.phase ?? '')).observe(el, {
        attributes: true,
      });
    });
    await alice.page.getByTestId('retry-now').click();
    // The attempt starts now, well before the countdown shown would have run out.
    await expect
      .poll(
        () => alice.page.evaluate(() => (window as unknown as { __phases: string[] }).__phases),
        { timeout: (shown - 2) * 1000, intervals: [50] },
      )
      .toContain('connecting');
    for (const id of base) await cluster.start(id);
    await cluster.waitForRing(base);
    await alice.waitSaved();
    await expect(alice.editor).toContainText('kept.');
  });
});
