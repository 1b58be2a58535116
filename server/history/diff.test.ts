import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Block } from './content.ts';
import { diffBlocks, diffStats, diffText, editScript } from './diff.ts';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

function apply<T>(a: readonly T[], b: readonly T[], ops: readonly string[]) {
  const fromA: T[] = [];
  const toB: T[] = [];
  let i = 0;
  let j = 0;
  for (const op of ops) {
    if (op === 'same') {
      fromA.push(a[i++] as T);
      toB.push(b[j++] as T);
    } else if (op === 'delete') fromA.push(a[i++] as T);
    else toB.push(b[j++] as T);
  }
  return { fromA, toB };
}

const para = (text: string): Block => ({
  type: 'paragraph',
  depth: 0,
  runs: [{ text, format: 0 }],
});

describe('diff (W6)', () => {
  it('[W6] an edit script turns a into b and is minimal on small inputs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 }),
        (a, b) => {
          const ops = editScript(a, b);
          const { fromA, toB } = apply(a, b, ops);
          expect(fromA).toEqual(a);
          expect(toB).toEqual(b);
          const same = ops.filter((o) => o === 'same').length;
          expect(ops.length - same).toBe(a.length + b.length - 2 * lcs(a, b));
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('falls back to replace-all past the edit-distance cap, still correct', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const b = Array.from({ length: 50 }, (_, i) => i + 100);
    const ops = editScript(a, b, Object.is, 10);
    const { fromA, toB } = apply(a, b, ops);
    expect(fromA).toEqual(a);
    expect(toB).toEqual(b);
  });

  it('[W6] marks inserted and deleted words', () => {
    expect(diffText('the quick fox', 'the slow brown fox')).toEqual([
      { kind: 'same', text: 'the ' },
      { kind: 'delete', text: 'quick' },
      { kind: 'insert', text: 'slow brown' },
      { kind: 'same', text: ' fox' },
    ]);
  });

  it('[W6] diffs blocks: unchanged, edited, added and removed', () => {
    const before = [para('keep'), para('edit me'), para('drop this')];
    const after = [para('keep'), para('edited me'), para('keep too'), para('new one')];
    const diff = diffBlocks(before, after);
    expect(diff.map((b) => b.kind)).toEqual(['same', 'change', 'change', 'insert']);
    // edit→edited; drop→keep and this→too (paired as an edit); new one
    expect(diffStats(diff)).toEqual({ inserted: 6 + 4 + 3 + 7, deleted: 4 + 4 + 4 });
    const removed = diffBlocks([para('a'), para('b')], [para('a')]);
    expect(removed.map((b) => b.kind)).toEqual(['same', 'delete']);
  });
});

function lcs(a: readonly number[], b: readonly number[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = dp[i] as number[];
      row[j] =
        a[i - 1] === b[j - 1]
          ? (dp[i - 1] as number[])[j - 1]! + 1
          : Math.max((dp[i - 1] as number[])[j]!, row[j - 1]!);
    }
  }
  return (dp[a.length] as number[])[b.length] as number;
}
