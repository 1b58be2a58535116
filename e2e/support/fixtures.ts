import { randomBytes } from 'node:crypto';
import {
  type BrowserContext,
  test as base,
  expect,
  type Locator,
  type Page,
} from '@playwright/test';
import { type ClusterControl, createClusterControl } from './control.ts';
import { type E2eEnvironment, e2eEnvironment } from './environment.ts';

/** One simulated person: their own browser context (storage, IndexedDB, network) and tab. */
export class EditorUser {
  readonly status: Locator;
  readonly editor: Locator;

  constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    this.status = page.getByTestId('status');
    this.editor = page.getByTestId('editor');
  }

  /**
   * Opens `/d/<docId>` (with an optional query) and waits until the editor is synced. An
   * unknown document shows "No document here"; this creates it there, as a person would.
   */
  async open(docId: string, query = ''): Promise<void> {
    await this.page.goto(`/d/${docId}${query}`);
    await this.createIfMissing();
    await this.waitSynced();
  }

  /** Presses "Create document" if the page says the document does not exist. */
  async createIfMissing(): Promise<void> {
    const create = this.page.getByTestId('create-document');
    await expect(this.status.or(create).first()).toBeVisible();
    if (await create.isVisible()) await create.click();
  }

  /** Waits for `data-phase="synced"`: connected to a node and in sync. */
  async waitSynced(): Promise<void> {
    await expect(this.status).toHaveAttribute('data-phase', 'synced');
  }

  /** Waits until every edit of this tab is durable on a node (`data-state="saved"`). */
  async waitSaved(): Promise<void> {
    await expect(this.status).toHaveAttribute('data-state', 'saved');
    await expect(this.status).toHaveAttribute('data-unsynced', 'false');
  }

  /** Puts the caret at the very end of the document. */
  async caretToEnd(): Promise<void> {
    await this.editor.click();
    await this.page.keyboard.press('Control+End');
  }

  /**
   * Resolves once every edit this tab made so far is committed to its IndexedDB copy of
   * `docId` (DESIGN W3): a read-only transaction on y-indexeddb's `updates` store starts only
   * after the read-write ones queued before it finished — what `LocalStore.flush()` relies on.
   * A reload or crash before that may lose the last keystrokes of an offline tab.
   */
  async flushLocalCopy(docId: string): Promise<void> {
    await this.page.evaluate(
      (name) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open(name);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const count = db.transaction('updates', 'readonly').objectStore('updates').count();
            count.onsuccess = () => {
              db.close();
              resolve();
            };
            count.onerror = () => reject(count.error);
          };
        }),
      `ringdoc:${docId}`,
    );
  }

  /** The editor's inner HTML (what every tab must agree on). */
  html(): Promise<string> {
    return this.editor.innerHTML();
  }

  /** The editor's plain text. */
  text(): Promise<string> {
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright Locator, not a DOM node
    return this.editor.innerText();
  }
}

/** Creates users; each gets a fresh context that the fixture closes after the test. */
export interface Users {
  create(name: string): Promise<EditorUser>;
}

/** Headers of an operator's request (`/api/ring` is operators only). */
export function operatorHeaders(): Record<string, string> {
  return { authorization: `Bearer ${e2eEnvironment().operatorToken}` };
}

/** A new random document id, unique per test. */
export function freshDocId(): string {
  return `e2e-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
}

/** How many times `needle` occurs in `haystack`. */
export function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** Two copies of Yjs in one bundle break `instanceof` checks (STACK: one copy per process). */
const DUPLICATE_YJS = /Yjs was already imported/;

export const test = base.extend<{
  env: E2eEnvironment;
  docId: string;
  users: Users;
  cluster: ClusterControl;
}>({
  // The web app's port is only known after the global setup ran.
  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires a destructuring pattern
  baseURL: async ({}, use) => {
    await use(e2eEnvironment().webUrl);
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires a destructuring pattern
  env: async ({}, use) => {
    await use(e2eEnvironment());
  },
  // The default page is signed in to /ops, as an operator's browser would be.
  context: async ({ context, baseURL }, use) => {
    if (baseURL) {
      await context.addCookies([
        { name: 'ringdoc_ops', value: e2eEnvironment().operatorToken, url: baseURL },
      ]);
    }
    await use(context);
  },
  // A test that changes the cluster leaves the base shape behind, also when it fails.
  cluster: async ({ env }, use) => {
    const control = createClusterControl(env.controlUrl);
    await use(control);
    await control.restore();
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires a destructuring pattern
  docId: async ({}, use) => {
    await use(freshDocId());
  },
  users: async ({ browser, baseURL }, use) => {
    const contexts: BrowserContext[] = [];
    const problems: string[] = [];
    await use({
      async create(name) {
        const context = await browser.newContext({ ...(baseURL ? { baseURL } : {}) });
        contexts.push(context);
        // Signed in to /ops as an operator would be (the dashboard's tests open it).
        if (baseURL) {
          await context.addCookies([
            { name: 'ringdoc_ops', value: e2eEnvironment().operatorToken, url: baseURL },
          ]);
        }
        await context.addInitScript((n) => {
          window.localStorage.setItem('ringdoc:name', n);
        }, name);
        const page = await context.newPage();
        page.on('console', (message) => {
          if (DUPLICATE_YJS.test(message.text())) problems.push(`${name}: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`${name}: uncaught ${error.message}`));
        return new EditorUser(name, context, page);
      },
    });
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    expect(problems, 'browser problems').toEqual([]);
  },
});

export { expect };
