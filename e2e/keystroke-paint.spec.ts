import { test } from './support/fixtures.ts';

/**
 * Keystroke-to-paint in one tab: from each `keydown` to the first animation frame after the
 * editor's DOM changed for it. Printed, never asserted (tests do not assert timings); run with
 * `RINGDOC_MEASURE=1` to compare builds.
 */
test.describe('keystroke to paint', () => {
  test.skip(!process.env.RINGDOC_MEASURE, 'set RINGDOC_MEASURE=1 to measure');

  test('p50/p95 over 120 keystrokes', async ({ users, docId }) => {
    const alice = await users.create('Alice');
    await alice.open(docId);
    await alice.caretToEnd();
    await alice.page.evaluate(() => {
      const editor = document.querySelector('[data-testid="editor"]');
      const samples: number[] = [];
      let pending: number | null = null;
      document.addEventListener('keydown', () => {
        pending = performance.now();
      });
      new MutationObserver(() => {
        const start = pending;
        if (start === null) return;
        pending = null;
        requestAnimationFrame(() => samples.push(performance.now() - start));
      }).observe(editor as Node, { subtree: true, childList: true, characterData: true });
      (window as unknown as { samples: number[] }).samples = samples;
    });
    const text = 'The quick brown fox jumps over the lazy dog. ';
    for (let i = 0; i < 120; i++) {
      await alice.page.keyboard.type(text[i % text.length] as string);
    }
    await alice.page.waitForFunction(
      () => (window as unknown as { samples: number[] }).samples.length >= 110,
    );
    const samples = await alice.page.evaluate(() =>
      [...(window as unknown as { samples: number[] }).samples].sort((a, b) => a - b),
    );
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
    console.log(
      `keystroke-to-paint: n=${samples.length} p50=${at(0.5)?.toFixed(1)} ms p95=${at(0.95)?.toFixed(1)} ms`,
    );
  });
});
