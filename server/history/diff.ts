import { type Block, blockText } from './content.ts';

/** One piece of a diff: text both sides share, text only the newer side has, or only the older. */
export interface DiffPart {
  readonly kind: 'same' | 'insert' | 'delete';
  readonly text: string;
}

/** A block of a diff between two versions, with its changes inline. */
export interface DiffBlock {
  /** `same`: unchanged block; `insert`/`delete`: whole block added/removed; `change`: edited. */
  readonly kind: 'same' | 'insert' | 'delete' | 'change';
  readonly type: string;
  readonly tag?: string;
  readonly parts: readonly DiffPart[];
}

type Op = 'same' | 'insert' | 'delete';

/** Edit distance beyond which the middle of a diff is shown as replaced wholesale. */
export const MAX_EDIT_DISTANCE = 2000;

/**
 * The operations that turn `a` into `b`, in order: common prefix and suffix, then Myers'
 * O((N+M)·D) shortest edit script for the middle; past `maxDistance` edits the middle is
 * reported as deleted then inserted (memory stays O(maxDistance²)). Pure.
 */
export function editScript<T>(
  a: readonly T[],
  b: readonly T[],
  equal: (x: T, y: T) => boolean = Object.is,
  maxDistance = MAX_EDIT_DISTANCE,
): Op[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && equal(a[prefix] as T, b[prefix] as T)) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    equal(a[a.length - 1 - suffix] as T, b[b.length - 1 - suffix] as T)
  ) {
    suffix++;
  }
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const middle = myers(midA, midB, equal, maxDistance) ?? [
    ...midA.map((): Op => 'delete'),
    ...midB.map((): Op => 'insert'),
  ];
  return [
    ...Array.from({ length: prefix }, (): Op => 'same'),
    ...middle,
    ...Array.from({ length: suffix }, (): Op => 'same'),
  ];
}

function myers<T>(
  a: readonly T[],
  b: readonly T[],
  equal: (x: T, y: T) => boolean,
  maxDistance: number,
): Op[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [...a.map((): Op => 'delete'), ...b.map((): Op => 'insert')];
  const limit = Math.min(n + m, maxDistance);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  // trace[d] holds v[-d..d] before round d.
  const trace: Int32Array[] = [];
  let done = -1;
  for (let d = 0; d <= limit && done < 0; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down =
        k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && equal(a[x] as T, b[y] as T)) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        done = d;
        break;
      }
    }
  }
  if (done < 0) return null;
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = done; d > 0; d--) {
    const vd = trace[d] as Int32Array;
    const at = (k: number) => vd[k + d] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push('same');
      x--;
      y--;
    }
    ops.push(down ? 'insert' : 'delete');
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push('same');
    x--;
    y--;
  }
  return ops.reverse();
}

const TOKEN = /\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

/** Words, runs of whitespace and single punctuation marks. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Word-level diff of two texts. Pure. */
export function diffText(before: string, after: string): DiffPart[] {
  const a = tokenize(before);
  const b = tokenize(after);
  const parts: DiffPart[] = [];
  let i = 0;
  let j = 0;
  const push = (kind: Op, text: string) => {
    const last = parts.at(-1);
    if (last && last.kind === kind) parts[parts.length - 1] = { kind, text: last.text + text };
    else parts.push({ kind, text });
  };
  for (const op of editScript(a, b)) {
    if (op === 'same') {
      push('same', a[i++] as string);
      j++;
    } else if (op === 'delete') push('delete', a[i++] as string);
    else push('insert', b[j++] as string);
  }
  return parts;
}

/**
 * Block-by-block diff of two versions: blocks are matched by text (Myers), a removed block
 * followed by an added one is shown as one edited block with a word diff. Pure.
 */
export function diffBlocks(before: readonly Block[], after: readonly Block[]): DiffBlock[] {
  const a = before.map(blockText);
  const b = after.map(blockText);
  const ops = editScript(a, b);
  const out: DiffBlock[] = [];
  let i = 0;
  let j = 0;
  const meta = (block: Block) => ({ type: block.type, ...(block.tag ? { tag: block.tag } : {}) });
  for (let o = 0; o < ops.length; ) {
    if (ops[o] === 'same') {
      out.push({
        kind: 'same',
        ...meta(after[j] as Block),
        parts: [{ kind: 'same', text: b[j] as string }],
      });
      i++;
      j++;
      o++;
      continue;
    }
    const deleted: number[] = [];
    const inserted: number[] = [];
    while (o < ops.length && ops[o] !== 'same') {
      if (ops[o] === 'delete') deleted.push(i++);
      else inserted.push(j++);
      o++;
    }
    const pairs = Math.min(deleted.length, inserted.length);
    for (let p = 0; p < pairs; p++) {
      const from = deleted[p] as number;
      const to = inserted[p] as number;
      out.push({
        kind: 'change',
        ...meta(after[to] as Block),
        parts: diffText(a[from] as string, b[to] as string),
      });
    }
    for (const from of deleted.slice(pairs)) {
      out.push({
        kind: 'delete',
        ...meta(before[from] as Block),
        parts: [{ kind: 'delete', text: a[from] as string }],
      });
    }
    for (const to of inserted.slice(pairs)) {
      out.push({
        kind: 'insert',
        ...meta(after[to] as Block),
        parts: [{ kind: 'insert', text: b[to] as string }],
      });
    }
  }
  return out;
}

/** Counts of inserted and deleted characters in a diff. */
export function diffStats(blocks: readonly DiffBlock[]): { inserted: number; deleted: number } {
  let inserted = 0;
  let deleted = 0;
  for (const block of blocks) {
    for (const part of block.parts) {
      if (part.kind === 'insert') inserted += part.text.length;
      if (part.kind === 'delete') deleted += part.text.length;
    }
  }
  return { inserted, deleted };
}
