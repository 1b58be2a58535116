import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidDocIdError } from './doc-id.ts';
import { type DocStore, GenerationMismatchError, StoreIoError } from './store.ts';
import type { StoreFaults } from './testing/store-faults.ts';
import { createWriter, textOf } from './testing/yjs-updates.ts';

export type { StoreFaults } from './testing/store-faults.ts';

/** One store to run the contract against. */
export interface StoreUnderTest {
  readonly store: DocStore;
  /** A new store over the same durable data; the test closes the previous store first. */
  readonly reopen?: () => Promise<DocStore>;
  /** Closes every store it made and removes their data. */
  readonly cleanup: () => Promise<void>;
  /** Durability probe; tests that need it are skipped without it. */
  readonly faults?: StoreFaults;
}

/** Lets queued callbacks and I/O completions run (not a timed sleep). */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The contract every `DocStore` implementation must pass (DESIGN N2, C4, M7). Call it from
 * the implementation's test file with a factory making a fresh, empty store.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
): void {
  describe(`DocStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: DocStore;

    beforeEach(async () => {
      sut = await makeStore();
      store = sut.store;
    });

    afterEach(async () => {
      await sut.cleanup();
    });

    const reopened = async (skip: () => never): Promise<DocStore> => {
      if (!sut.reopen) skip();
      await store.close();
      store = await sut.reopen();
      return store;
    };

    it('[N2] load of an unknown document resolves null and stores nothing', async () => {
      expect(await store.load('never-written')).toBeNull();
      expect(await store.load('never/written/either')).toBeNull();
      expect(await store.list()).toEqual([]);
    });

    it('[N2] appended updates load back byte for byte, in order, and rebuild the content', async () => {
      const writer = createWriter();
      const updates = writer.next(12);
      await Promise.all(updates.map((update) => store.append('doc-a', update, 'gen-1')));
      const loaded = await store.load('doc-a');
      expect(loaded).not.toBeNull();
      expect(loaded?.updates.map((u) => [...u])).toEqual(updates.map((u) => [...u]));
      expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
      expect(loaded?.bytes).toBeGreaterThanOrEqual(updates.reduce((n, u) => n + u.length, 0));
      expect(await store.list()).toEqual(['doc-a']);
    });

    it('[N2] acknowledged updates survive a reopen', async ({ skip }) => {
      const writer = createWriter();
      for (const update of writer.next(5)) await store.append('doc-a', update, 'gen-1');
      const again = await reopened(skip);
      const loaded = await again.load('doc-a');
      expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
      expect(loaded?.generation).toBe('gen-1');
    });

    it('[M7] the generation of the first append is kept; appends of another are refused, nothing stored', async () => {
      const writer = createWriter();
      const [first, second] = writer.next(2);
      await store.append('doc-g', first!, 'gen-first');
      await expect(store.append('doc-g', second!, 'gen-other')).rejects.toBeInstanceOf(
        GenerationMismatchError,
      );
      const loaded = await store.load('doc-g');
      expect(loaded?.generation).toBe('gen-first');
      expect(loaded?.updates).toHaveLength(1);
    });

    it("[M7] in one batch, only the appends of the document's generation are kept", async () => {
      const updates = createWriter().next(3);
      const results = await Promise.allSettled([
        store.append('doc-b', updates[0]!, 'gen-a'),
        store.append('doc-b', updates[1]!, 'gen-b'),
        store.append('doc-b', updates[2]!, 'gen-a'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const loaded = await store.load('doc-b');
      expect(loaded?.generation).toBe('gen-a');
      expect(loaded?.updates.map((u) => [...u])).toEqual([[...updates[0]!], [...updates[2]!]]);
    });

    it('[C4] append resolves only after its durability barrier completed', async ({ skip }) => {
      const faults = sut.faults ?? skip();
      const [first, second] = createWriter().next(2);
      await store.append('doc-d', first!, 'g');
      const held = faults.hold('doc-d');
      let resolved = false;
      const pending = store.append('doc-d', second!, 'g').then(() => {
        resolved = true;
      });
      await held.reached;
      await settle();
      expect(resolved).toBe(false);
      held.release();
      await pending;
      expect(resolved).toBe(true);
    });

    it('[C4] a failed barrier rejects the append with StoreIoError and the update is not kept', async ({
      skip,
    }) => {
      const faults = sut.faults ?? skip();
      const [a] = createWriter('x').next(1);
      const [b] = createWriter('long'.repeat(100)).next(1);
      const [c] = createWriter('y').next(1);
      await store.append('doc-f', a!, 'g');
      faults.failNext('doc-f', 'EIO');
      await expect(store.append('doc-f', b!, 'g')).rejects.toBeInstanceOf(StoreIoError);
      await store.append('doc-f', c!, 'g');
      const loaded = await store.load('doc-f');
      expect(loaded?.updates.map((u) => [...u])).toEqual([[...a!], [...c!]]);
    });

    it('[C4] a first append whose barrier fails leaves no document', async ({ skip }) => {
      const faults = sut.faults ?? skip();
      faults.failNext('doc-new', 'ENOSPC');
      const [update] = createWriter().next(1);
      await expect(store.append('doc-new', update!, 'g')).rejects.toBeInstanceOf(StoreIoError);
      expect(await store.load('doc-new')).toBeNull();
      expect(await store.list()).toEqual([]);
    });

    it('[N2] a failing document does not stop the appends of another', async ({ skip }) => {
      const faults = sut.faults ?? skip();
      const [bad] = createWriter('bad').next(1);
      const [good] = createWriter('good').next(1);
      await store.append('doc-bad', bad!, 'g').catch(() => {});
      faults.failNext('doc-bad', 'EIO');
      const results = await Promise.allSettled([
        store.append('doc-bad', bad!, 'g'),
        store.append('doc-good', good!, 'g'),
      ]);
      expect(results[0].status).toBe('rejected');
      if (faults.sharedBarrier && results[1].status === 'rejected') {
        // the two appends shared the failed barrier (N7): the good one is retried and lands
        expect(results[1].reason).toBeInstanceOf(StoreIoError);
        await store.append('doc-good', good!, 'g');
      } else {
        expect(results[1].status).toBe('fulfilled');
      }
      await store.append('doc-bad', bad!, 'g');
      expect(textOf((await store.load('doc-good'))?.updates ?? [])).toBe('good0 ');
      expect(textOf((await store.load('doc-bad'))?.updates ?? [])).toBe('bad0 ');
    });

    it('[N2] concurrent appends across documents all land, in fewer barriers than appends', async ({
      skip,
    }) => {
      const faults = sut.faults ?? skip();
      const writers = Array.from({ length: 8 }, (_, i) => createWriter(`d${i}-`));
      const before = faults.barriers();
      const appends: Promise<void>[] = [];
      for (const [i, writer] of writers.entries()) {
        for (const update of writer.next(25)) appends.push(store.append(`doc-${i}`, update, 'g'));
      }
      await Promise.all(appends);
      expect(faults.barriers() - before).toBeLessThan(appends.length);
      for (const [i, writer] of writers.entries()) {
        expect(textOf((await store.load(`doc-${i}`))?.updates ?? [])).toBe(writer.text());
      }
      expect(await store.list()).toHaveLength(writers.length);
    });

    it('[N2] compact keeps the content and appends issued during it survive a reopen', async ({
      skip,
    }) => {
      const writer = createWriter();
      await Promise.all(writer.next(40).map((u) => store.append('doc-c', u, 'gen-c')));
      const compacting = store.compact('doc-c');
      const late = writer.next(10).map((u) => store.append('doc-c', u, 'gen-c'));
      await Promise.all([compacting, ...late]);
      const loaded = await store.load('doc-c');
      expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
      expect(loaded?.updates.length).toBeLessThanOrEqual(11);
      expect(loaded?.generation).toBe('gen-c');
      await Promise.all(writer.next(3).map((u) => store.append('doc-c', u, 'gen-c')));
      await store.compact('doc-c');
      const again = await reopened(skip);
      const reloaded = await again.load('doc-c');
      expect(textOf(reloaded?.updates ?? [])).toBe(writer.text());
      expect(reloaded?.updates).toHaveLength(1);
      expect(reloaded?.generation).toBe('gen-c');
    });

    it('[N2] compact with minEntries leaves a document holding fewer updates as it is, and compacts one holding as many', async ({
      skip,
    }) => {
      const writer = createWriter();
      await Promise.all(writer.next(5).map((u) => store.append('doc-m', u, 'gen-m')));
      await store.compact('doc-m', { minEntries: 6 });
      const few = await store.load('doc-m');
      expect(few?.updates).toHaveLength(5);
      expect(textOf(few?.updates ?? [])).toBe(writer.text());
      await store.append('doc-m', writer.next(1)[0] as Uint8Array, 'gen-m');
      await store.compact('doc-m', { minEntries: 6 });
      const many = await store.load('doc-m');
      expect(many?.updates).toHaveLength(1);
      expect(textOf(many?.updates ?? [])).toBe(writer.text());
      // counted since the snapshot: five more are still too few
      await Promise.all(writer.next(5).map((u) => store.append('doc-m', u, 'gen-m')));
      await store.compact('doc-m', { minEntries: 6 });
      expect((await store.load('doc-m'))?.updates).toHaveLength(6);
      const again = await reopened(skip);
      const reloaded = await again.load('doc-m');
      expect(textOf(reloaded?.updates ?? [])).toBe(writer.text());
      expect(reloaded?.updates).toHaveLength(6);
    });

    it('[N2] compact of an unknown document does nothing', async () => {
      await store.compact('nothing-here');
      expect(await store.load('nothing-here')).toBeNull();
      expect(await store.list()).toEqual([]);
    });

    it('[N2] delete removes the document; a later append starts a new one', async () => {
      const [a, b] = createWriter().next(2);
      await store.append('doc-x', a!, 'gen-old');
      await store.append('doc-y', b!, 'gen-y');
      await store.delete('doc-x');
      await store.delete('doc-x');
      expect(await store.load('doc-x')).toBeNull();
      expect(await store.list()).toEqual(['doc-y']);
      const [fresh] = createWriter('new').next(1);
      await store.append('doc-x', fresh!, 'gen-new');
      const loaded = await store.load('doc-x');
      expect(loaded?.generation).toBe('gen-new');
      expect(textOf(loaded?.updates ?? [])).toBe('new0 ');
    });

    it('[M6] a conditional delete keeps a document appended to since it was read', async () => {
      const updates = createWriter().next(3);
      await store.append('doc-c', updates[0]!, 'g');
      const read = await store.load('doc-c');
      await store.append('doc-c', updates[1]!, 'g');
      expect(await store.delete('doc-c', read!.bytes)).toBe(false);
      expect((await store.load('doc-c'))?.updates).toHaveLength(2);
      const again = await store.load('doc-c');
      expect(await store.delete('doc-c', again!.bytes)).toBe(true);
      expect(await store.load('doc-c')).toBeNull();
      expect(await store.delete('doc-c', 123)).toBe(true);
    });

    it('[N2] delete waits for appends issued before it', async () => {
      const updates = createWriter().next(5);
      const appends = updates.map((u) => store.append('doc-z', u, 'g'));
      await store.delete('doc-z');
      await Promise.all(appends);
      expect(await store.load('doc-z')).toBeNull();
    });

    it('[N2] an append issued right after delete is kept', async () => {
      const [old] = createWriter('old').next(1);
      const [fresh] = createWriter('new').next(1);
      await store.append('doc-r', old!, 'gen-old');
      const deleted = store.delete('doc-r');
      const appended = store.append('doc-r', fresh!, 'gen-new');
      await Promise.all([deleted, appended]);
      const loaded = await store.load('doc-r');
      expect(loaded?.generation).toBe('gen-new');
      expect(textOf(loaded?.updates ?? [])).toBe('new0 ');
    });

    it('[N2] load sees every append issued before it', async () => {
      const writer = createWriter();
      const appends = writer.next(7).map((u) => store.append('doc-l', u, 'g'));
      const loaded = await store.load('doc-l');
      await Promise.all(appends);
      expect(textOf(loaded?.updates ?? [])).toBe(writer.text());
    });

    it('[C4] close commits pending appends before it resolves', async ({ skip }) => {
      const writer = createWriter();
      const appends = writer.next(6).map((u) => store.append('doc-p', u, 'g'));
      const again = await reopened(skip);
      await Promise.all(appends);
      expect(textOf((await again.load('doc-p'))?.updates ?? [])).toBe(writer.text());
    });

    it('[N2] every call after close rejects with StoreIoError', async () => {
      const [update] = createWriter().next(1);
      await store.append('doc-q', update!, 'g');
      await store.close();
      await expect(store.load('doc-q')).rejects.toBeInstanceOf(StoreIoError);
      await expect(store.append('doc-q', update!, 'g')).rejects.toBeInstanceOf(StoreIoError);
      await expect(store.compact('doc-q')).rejects.toBeInstanceOf(StoreIoError);
      await expect(store.list()).rejects.toBeInstanceOf(StoreIoError);
      await expect(store.delete('doc-q')).rejects.toBeInstanceOf(StoreIoError);
      await store.close();
    });

    it('[C1] invalid document ids are refused with InvalidDocIdError', async () => {
      const [update] = createWriter().next(1);
      for (const bad of ['', 'a//b', '/a', 'a/', '..', 'a/../b', 'sp ace', 'ü', 'x'.repeat(257)]) {
        await expect(store.append(bad, update!, 'g')).rejects.toBeInstanceOf(InvalidDocIdError);
        await expect(store.load(bad)).rejects.toBeInstanceOf(InvalidDocIdError);
      }
      expect(await store.list()).toEqual([]);
    });

    it('[R3] ids with "/" and of the longest length are kept as given', async () => {
      const ids = [
        'team/doc',
        'team/doc/comments',
        '.hidden',
        'a'.repeat(256),
        `${'ab/'.repeat(85)}x`,
      ];
      const [update] = createWriter().next(1);
      for (const id of ids) await store.append(id, update!, id);
      expect(await store.list()).toEqual([...ids].sort());
      for (const id of ids) expect((await store.load(id))?.generation).toBe(id);
    });
  });
}
