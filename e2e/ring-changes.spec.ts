import type { APIRequestContext } from '@playwright/test';
import { docIdOwnedBy, freshNodeId, ownerAmong } from './support/control.ts';
import { expect, freshDocId, operatorHeaders, test } from './support/fixtures.ts';
import { expectEveryLineOnceEverywhere, openTypists, type Typist } from './support/typist.ts';

const NAMES = ['Alice', 'Bob', 'Carol'];

/** Waits until the web app's own etcd watch (what tabs route by) shows exactly `ids`. */
async function expectWebRing(request: APIRequestContext, ids: readonly string[]): Promise<void> {
  await expect
    .poll(async () => {
      const res = await request.get('/api/ring', { headers: operatorHeaders() });
      if (!res.ok()) return `HTTP ${res.status()}`;
      return ((await res.json()) as { ring: string[] }).ring.slice().sort().join(',');
    })
    .toBe([...ids].sort().join(','));
}

async function expectServedBy(typists: readonly Typist[], node: string): Promise<void> {
  for (const { user } of typists) {
    await expect(user.status).toHaveAttribute('data-node', node, { timeout: 45_000 });
  }
}

/** Starts recording every status each tab shows (`data-state` of the status bar). */
async function recordStatuses(typists: readonly Typist[]): Promise<void> {
  for (const { user } of typists) {
    await user.page.evaluate(() => {
      const bar = document.querySelector<HTMLElement>('[data-testid="status"]');
      if (!bar) throw new Error('no status bar');
      const seen: string[] = [bar.dataset.state ?? ''];
      (window as unknown as { ringdocStatuses: string[] }).ringdocStatuses = seen;
      new MutationObserver(() => seen.push(bar.dataset.state ?? '')).observe(bar, {
        attributes: true,
        attributeFilter: ['data-state'],
      });
    });
  }
}

/** The statuses each tab showed since {@link recordStatuses}, deduplicated. */
async function statusesShown(typists: readonly Typist[]): Promise<string[]> {
  const all = new Set<string>();
  for (const { user } of typists) {
    const seen = await user.page.evaluate(
      () => (window as unknown as { ringdocStatuses: string[] }).ringdocStatuses,
    );
    for (const state of seen) all.add(state);
  }
  return [...all].sort();
}

async function typeMore(typists: readonly Typist[], lines: number): Promise<void> {
  await Promise.all(typists.map((t) => t.typed(lines)));
}

/** A late reader, opening the document after everything, gets exactly what the typists see. */
async function expectLateReaderAgrees(
  typists: readonly Typist[],
  users: Parameters<typeof openTypists>[0],
  docId: string,
): Promise<void> {
  const dave = await users.create('Dave');
  await dave.open(docId);
  const html = await typists[0]!.user.html();
  await expect.poll(() => dave.html()).toBe(html);
}

test.describe('the owner changes while three tabs type', () => {
  test('[M1][M3] a node joins and takes the document over while three tabs type: every tab ends identical, every line exactly once', async ({
    users,
    cluster,
    env,
    request,
  }) => {
    test.setTimeout(150_000);
    const base = env.nodes.map((n) => n.id);
    const vnodes = await cluster.vnodes();
    const joiner = freshNodeId();
    const docId = docIdOwnedBy(joiner, [...base, joiner], vnodes);
    const before = ownerAmong(docId, base, vnodes);

    const typists = await openTypists(users, docId, NAMES);
    await expectServedBy(typists, before);
    for (const t of typists) t.start();
    await typeMore(typists, 2);

    await recordStatuses(typists);
    await cluster.addNode(joiner);
    await expectWebRing(request, [...base, joiner]);
    await expectServedBy(typists, joiner);
    await typeMore(typists, 3);
    // P11a: the tabs moved without a disconnect: never "Connecting…" or "Reconnecting…".
    expect(await statusesShown(typists)).not.toContain('connecting');

    await expectEveryLineOnceEverywhere(typists);
    await expectLateReaderAgrees(typists, users, docId);
  });

  test('[M2][M3] the owner is drained while three tabs type: the tabs move to the next owner, every tab ends identical, every line exactly once', async ({
    users,
    cluster,
    env,
    request,
  }) => {
    test.setTimeout(150_000);
    const base = env.nodes.map((n) => n.id);
    const vnodes = await cluster.vnodes();
    const leaver = freshNodeId();
    await cluster.addNode(leaver);
    await expectWebRing(request, [...base, leaver]);
    const docId = docIdOwnedBy(leaver, [...base, leaver], vnodes);
    const after = ownerAmong(docId, base, vnodes);

    const typists = await openTypists(users, docId, NAMES);
    await expectServedBy(typists, leaver);
    for (const t of typists) t.start();
    await typeMore(typists, 2);

    await recordStatuses(typists);
    expect(await cluster.drain(leaver)).toBe(0);
    await expectWebRing(request, base);
    await expectServedBy(typists, after);
    await typeMore(typists, 3);
    expect(await statusesShown(typists)).not.toContain('connecting');

    await expectEveryLineOnceEverywhere(typists);
    await expectLateReaderAgrees(typists, users, docId);
  });

  test('[M4][M3] the owner is killed with SIGKILL while three tabs type: the replica takes over, the restarted node takes it back, nothing typed is lost or duplicated', async ({
    users,
    cluster,
    env,
    request,
  }) => {
    test.setTimeout(180_000);
    const base = env.nodes.map((n) => n.id);
    const vnodes = await cluster.vnodes();
    const docId = freshDocId();
    const owner = ownerAmong(docId, base, vnodes);
    const survivors = base.filter((id) => id !== owner);
    const successor = ownerAmong(docId, survivors, vnodes);

    const typists = await openTypists(users, docId, NAMES);
    await expectServedBy(typists, owner);
    for (const t of typists) t.start();
    await typeMore(typists, 2);

    await cluster.kill(owner);
    for (const { user } of typists) {
      await expect(user.status).not.toHaveAttribute('data-node', owner);
    }
    // Typed while the tabs have no node to save to.
    await typeMore(typists, 2);
    await expectWebRing(request, survivors);
    await expectServedBy(typists, successor);
    await typeMore(typists, 3);

    await cluster.start(owner);
    await cluster.waitForRing(base);
    await expectWebRing(request, base);
    await expectServedBy(typists, owner);
    await typeMore(typists, 2);

    await expectEveryLineOnceEverywhere(typists);
    await expectLateReaderAgrees(typists, users, docId);
  });
});
