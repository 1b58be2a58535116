import { expect, test } from './support/fixtures.ts';

interface Route {
  owner: string;
  members: { id: string }[];
}

test.describe('routing', () => {
  test('[C2] a tab pointed at a node that does not own the document ends up on the owner, and edits sync', async ({
    users,
    docId,
    request,
  }) => {
    const response = await request.post(`/api/docs/${docId}/ensure`, { data: {} });
    expect(response.ok()).toBe(true);
    const route = (await (await request.get(`/api/route/${docId}`)).json()) as Route;
    const other = route.members.find((m) => m.id !== route.owner);
    expect(other).toBeDefined();

    const alice = await users.create('Alice');
    await alice.open(docId, `?node=${other!.id}`);
    await expect(alice.status).toHaveAttribute('data-node', route.owner);
    await expect(alice.page.getByTestId('status-node')).toHaveText(
      `Connected to node ${route.owner}`,
    );
    expect(Number(await alice.status.getAttribute('data-redirects'))).toBeGreaterThanOrEqual(1);

    await alice.caretToEnd();
    await alice.page.keyboard.type('written after a redirect');
    await alice.waitSaved();

    const bob = await users.create('Bob');
    await bob.open(docId);
    await expect(bob.status).toHaveAttribute('data-node', route.owner);
    await expect(bob.editor).toContainText('written after a redirect');
  });
});
