import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIRequestContext, Page } from '@playwright/test';
import { docIdOwnedBy, freshNodeId } from './support/control.ts';
import { expect, test } from './support/fixtures.ts';

const SCREENSHOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../docs/screenshots/ring-dashboard.png',
);

const memberRows = (page: Page) => page.locator('tr[data-testid^="member-"]');

/** Ensures (creates and seeds, W4) `docId`; resolves once it is durable on its owner. */
async function ensureDoc(request: APIRequestContext, docId: string, title: string): Promise<void> {
  const res = await request.post(`/api/docs/${docId}/ensure`, { data: { title } });
  expect(res.status(), await res.text()).toBe(200);
}

/**
 * Records every `data-state` the row `member-<id>` takes, and `gone` when it leaves the DOM, from
 * now on. The dashboard renders every snapshot on its own, so a state that lasts one snapshot
 * (a drain with little to hand off) is seen here even if a polling assertion would miss it.
 */
async function recordMemberStates(page: Page, id: string): Promise<void> {
  await page.evaluate((member) => {
    const seen: string[] = [];
    const w = window as unknown as Record<string, unknown>;
    w.__memberStates = seen;
    const note = () => {
      const row = document.querySelector(`[data-testid="member-${member}"]`);
      const state = row ? (row.getAttribute('data-state') ?? '?') : 'gone';
      if (seen[seen.length - 1] !== state) seen.push(state);
    };
    note();
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
  }, id);
}

const recordedStates = (page: Page) =>
  page.evaluate(() => (window as unknown as { __memberStates: string[] }).__memberStates);

test.describe('ring dashboard', () => {
  test('[W5][M1][M2] shows 3 members, then 4 when a node joins, then the drained one draining until it leaves — live, without a reload', async ({
    page,
    cluster,
    env,
    request,
  }) => {
    test.setTimeout(120_000);
    const base = env.nodes.map((n) => n.id);
    const vnodes = await cluster.vnodes();
    const joiner = freshNodeId();

    // Documents the joiner will own (they move to it, so its drain has work to do), and some more.
    const docs = [
      ...Array.from({ length: 3 }, () => docIdOwnedBy(joiner, [...base, joiner], vnodes)),
      ...base.flatMap((id) => [1, 2].map(() => docIdOwnedBy(id, [...base, joiner], vnodes))),
    ];
    for (const [i, id] of docs.entries()) await ensureDoc(request, id, `Dashboard ${i + 1}`);

    await page.goto('/ops');
    await page.evaluate(() => {
      (window as unknown as Record<string, unknown>).__sameDocument = true;
    });
    const dashboard = page.getByTestId('ring-dashboard');
    await expect(dashboard).toHaveAttribute('data-connection', 'live');
    await expect(memberRows(page)).toHaveCount(3);
    for (const id of base) {
      await expect(page.getByTestId(`member-${id}`)).toHaveAttribute('data-state', 'active');
    }
    for (const id of docs) {
      await expect(page.locator(`[data-testid="ring-doc"][data-doc="${id}"]`)).toHaveCount(1);
    }
    const epoch = Number(await page.getByTestId('ring-epoch').getAttribute('data-epoch'));

    await cluster.addNode(joiner);
    await expect(memberRows(page)).toHaveCount(4);
    await expect(page.getByTestId(`member-${joiner}`)).toHaveAttribute('data-state', 'active');
    await expect
      .poll(async () => Number(await page.getByTestId('ring-epoch').getAttribute('data-epoch')))
      .toBeGreaterThan(epoch);
    await expect(page.locator(`path[data-kind="arc"][data-member="${joiner}"]`)).toHaveCount(1);
    // The joiner took its documents over: their dots are in its colour, its row counts them.
    for (const id of docs.slice(0, 3)) {
      await expect(page.locator(`[data-testid="ring-doc"][data-doc="${id}"]`)).toHaveAttribute(
        'data-owner',
        joiner,
      );
    }
    await expect
      .poll(async () =>
        Number(await page.getByTestId(`load-${joiner}-stored`).getAttribute('data-value')),
      )
      .toBeGreaterThanOrEqual(3);

    if (process.env.RINGDOC_SCREENSHOTS) {
      await expect(page.getByTestId('ring-change').first()).toBeVisible();
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }

    await recordMemberStates(page, joiner);
    const drained = cluster.drain(joiner);
    await expect(page.getByTestId(`member-${joiner}`)).toHaveCount(0);
    expect(await drained).toBe(0);
    expect(await recordedStates(page)).toEqual(['active', 'draining', 'gone']);
    await expect(
      page.locator(`[data-testid="ring-change"][data-member="${joiner}"][data-to="draining"]`),
    ).toHaveCount(1);
    await expect(memberRows(page)).toHaveCount(3);
    await expect(page.locator('path[data-kind="arc"]')).toHaveCount(3);
    // Its documents went back to the base members and are still on the ring.
    for (const id of docs) {
      await expect(page.locator(`[data-testid="ring-doc"][data-doc="${id}"]`)).not.toHaveAttribute(
        'data-owner',
        joiner,
      );
    }

    expect(
      await page.evaluate(() => (window as unknown as Record<string, unknown>).__sameDocument),
      'the page was not reloaded',
    ).toBe(true);
  });
});
