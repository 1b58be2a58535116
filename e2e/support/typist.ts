import { expect } from '@playwright/test';
import type { EditorUser, Users } from './fixtures.ts';

/** Most lines one typist types, so a stuck condition cannot type forever. */
const MAX_LINES = 200;

/**
 * Types numbered lines (`Alice line 001`, …), each in a paragraph of its own right below the
 * previous one, from `start()` until `stop()` — through disconnects, redirects and reconnects.
 * Waits are on explicit state: `typed(n)` resolves once n more lines are in the editor.
 */
export class Typist {
  readonly lines: string[] = [];
  private stopping = false;
  private failure: Error | null = null;
  private loop: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<(error: Error | null) => void>();

  constructor(readonly user: EditorUser) {}

  /** The header paragraph under which this typist's lines go. */
  get header(): string {
    return `${this.user.name} types below`;
  }

  start(): void {
    this.loop = this.run().then(
      () => this.notify(new Error(`${this.user.name} stopped typing`)),
      (error: Error) => {
        this.failure = error;
        this.notify(error);
      },
    );
  }

  /**
   * Resolves once `count` more lines than now are typed; rejects if typing failed, stopped or
   * took longer than `timeoutMs` (default 60 s).
   */
  typed(count: number, timeoutMs = 60_000): Promise<void> {
    const target = this.lines.length + count;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `${this.user.name} typed only ${this.lines.length} of ${target} lines in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const waiter = (error: Error | null) => {
        if (!error && this.lines.length < target) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (error) reject(error);
        else resolve();
      };
      this.waiters.add(waiter);
      waiter(this.failure);
    });
  }

  /** Starts typing again after `stop()` (numbering goes on). */
  resume(): void {
    this.stopping = false;
    this.failure = null;
    this.start();
  }

  /** Stops after the line being typed; resolves with every line typed. */
  async stop(): Promise<string[]> {
    this.stopping = true;
    await this.loop;
    if (this.failure) throw this.failure;
    return this.lines;
  }

  private async run(): Promise<void> {
    const { keyboard } = this.user.page;
    while (!this.stopping && this.lines.length < MAX_LINES) {
      const line = `${this.user.name} line ${String(this.lines.length + 1).padStart(3, '0')}`;
      await keyboard.press('Enter');
      await keyboard.type(line);
      this.lines.push(line);
      this.notify(null);
    }
  }

  private notify(error: Error | null): void {
    for (const waiter of [...this.waiters]) waiter(error);
  }
}

/**
 * Opens `docId` in one tab per name (each its own browser context), then lets each tab in turn
 * put a header paragraph at the end of the document, so every typist writes in a section of its
 * own and concurrent lines never interleave inside a paragraph.
 */
export async function openTypists(
  users: Users,
  docId: string,
  names: readonly string[],
): Promise<Typist[]> {
  const tabs = await Promise.all(names.map((name) => users.create(name)));
  for (const tab of tabs) await tab.open(docId);
  const typists = tabs.map((tab) => new Typist(tab));
  for (const typist of typists) {
    await typist.user.caretToEnd();
    await typist.user.page.keyboard.press('Enter');
    await typist.user.page.keyboard.type(typist.header);
    await typist.user.waitSaved();
    for (const tab of tabs) await expect(tab.editor).toContainText(typist.header);
  }
  return typists;
}

/** The editor's paragraphs as text, empty ones left out. */
export async function paragraphs(user: EditorUser): Promise<string[]> {
  return (await user.text())
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * Stops every typist, waits until every tab is saved (every edit acknowledged as durable) and
 * asserts what DESIGN M3 promises the people typing: every tab holds identical content, made of
 * the headers and every typed line exactly once, each typist's lines in order (a new document's
 * text starts empty: its title lives outside the text).
 */
export async function expectEveryLineOnceEverywhere(typists: readonly Typist[]): Promise<void> {
  for (const typist of typists) await typist.stop();
  const tabs = typists.map((t) => t.user);
  for (const tab of tabs) await tab.waitSaved();
  const expected = typists.flatMap((t) => [t.header, ...t.lines]).sort();
  for (const tab of tabs) {
    await expect
      .poll(async () => (await paragraphs(tab)).sort(), {
        message: `${tab.name} holds every line exactly once`,
      })
      .toEqual(expected);
    const seen = await paragraphs(tab);
    for (const typist of typists) {
      expect(seen.filter((p) => p.startsWith(`${typist.user.name} line `))).toEqual(typist.lines);
    }
  }
  const html = await tabs[0]!.html();
  for (const tab of tabs) await expect.poll(() => tab.html()).toBe(html);
}
