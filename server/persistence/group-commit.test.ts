import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.ts';

describe('group commit', () => {
  it('[N2] items added together commit in one batch per key, keys in parallel', async () => {
    const batches: [string, number[]][] = [];
    const commit = createGroupCommit<number>({
      delayMs: 0,
      commit: async (key, items) => {
        batches.push([key, [...items]]);
      },
    });
    await Promise.all([commit.add('a', 1), commit.add('b', 2), commit.add('a', 3)]);
    expect(batches).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
  });

  it('[N2] items added while a commit is in flight go together into the next one', async () => {
    const batches: number[][] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const commit = createGroupCommit<number>({
      delayMs: 0,
      commit: async (_key, items) => {
        batches.push([...items]);
        if (batches.length === 1) await gate;
      },
    });
    const first = commit.add('a', 1);
    while (batches.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const later = [commit.add('a', 2), commit.add('a', 3)];
    expect(commit.busy('a')).toBe(true);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
    expect(commit.busy('a')).toBe(false);
  });

  it('[C4] a failed commit rejects its batch only', async () => {
    const commit = createGroupCommit<number>({
      delayMs: 0,
      commit: async (_key, items) => {
        if (items.includes(2)) throw new Error('disk full');
      },
    });
    const failed = commit.add('a', 2);
    await expect(failed).rejects.toThrow('disk full');
    await expect(commit.add('a', 1)).resolves.toBeUndefined();
  });

  it('[N2] flushAll commits what is pending without waiting for the timer', async () => {
    const seen: number[] = [];
    const commit = createGroupCommit<number>({
      delayMs: 60_000,
      commit: async (_key, items) => {
        seen.push(...items);
      },
    });
    const added = commit.add('a', 7);
    await commit.flushAll();
    await added;
    expect(seen).toEqual([7]);
  });
});
