import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrefixState, type PrefixUpdate, type RawEvent, type RawKeyValue } from './prefix-state.ts';

/** One write in a simulated etcd history; `key === null` is a write under another prefix. */
interface Op {
  readonly key: string | null;
  readonly del: boolean;
}

interface Model {
  readonly events: Array<RawEvent & { rev: number }>;
  /** The prefix's kvs at revision r (index r). */
  readonly at: Array<Map<string, RawKeyValue>>;
}

function simulate(ops: readonly Op[]): Model {
  const events: Model['events'] = [];
  const current = new Map<string, RawKeyValue>();
  const at: Model['at'] = [new Map()];
  ops.forEach((op, i) => {
    const rev = i + 1;
    if (op.key !== null) {
      const existing = current.get(op.key);
      if (op.del) {
        if (existing) {
          current.delete(op.key);
          events.push({
            rev,
            type: 'Delete',
            kv: { ...existing, mod_revision: String(rev), value: Buffer.alloc(0) },
          });
        }
      } else {
        const kv: RawKeyValue = {
          key: Buffer.from(op.key),
          value: Buffer.from(`v${rev}`),
          mod_revision: String(rev),
          create_revision: existing?.create_revision ?? String(rev),
        };
        current.set(op.key, kv);
        events.push({ rev, type: 'Put', kv });
      }
    }
    at.push(new Map(current));
  });
  return { events, at };
}

const plain = (entries: ReadonlyMap<string, { modRevision: number }>) =>
  Object.fromEntries([...entries].map(([k, e]) => [k, e.modRevision]));
const plainKvs = (kvs: ReadonlyMap<string, RawKeyValue>) =>
  Object.fromEntries([...kvs].map(([k, kv]) => [k, Number(kv.mod_revision)]));

const opsArb = fc.array(
  fc.record({
    key: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { freq: 5 }),
    del: fc.boolean(),
  }),
  { minLength: 1, maxLength: 40 },
);

/** Checks one published update against the model: exact state at its revision, exact change set. */
function checkUpdate(model: Model, update: PrefixUpdate) {
  const expected = model.at[update.snapshot.revision]!;
  expect(plain(update.snapshot.entries)).toEqual(plainKvs(expected));
  const before = update.previous ? plain(update.previous.entries) : {};
  const after = plain(update.snapshot.entries);
  const differing = new Set(
    [...Object.keys(before), ...Object.keys(after)].filter((k) => before[k] !== after[k]),
  );
  expect(new Set(update.changed)).toEqual(differing);
  if (update.previous) expect(update.snapshot.revision).toBeGreaterThan(update.previous.revision);
}

describe('prefix list-then-watch state (R5)', () => {
  it('[R5] list at R then events from R+1, in any batching, publish exactly the state at each revision', () => {
    fc.assert(
      fc.property(
        opsArb,
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 4 })),
        (ops, listAt, batchSizes) => {
          const model = simulate(ops);
          const r0 = listAt % (ops.length + 1);
          const state = new PrefixState();
          checkUpdate(model, state.reset([...model.at[r0]!.values()], r0));
          const pending = model.events.filter((e) => e.rev > r0);
          let i = 0;
          let b = 0;
          while (i < pending.length) {
            const size = batchSizes[b++ % Math.max(1, batchSizes.length)] ?? 1;
            const update = state.applyEvents(pending.slice(i, i + size));
            i += size;
            expect(update).not.toBeNull();
            checkUpdate(model, update!);
          }
          expect(plain(state.snapshot()!.entries)).toEqual(plainKvs(model.at[ops.length]!));
          expect(state.applied()).toBe(pending.at(-1)?.rev ?? r0);
        },
      ),
      { seed: 1122, numRuns: 300 },
    );
  });

  it('[R5][C3] a catch-up by read only ever publishes the true state at its revision, and revisions never go back', () => {
    fc.assert(
      fc.property(opsArb, fc.nat(), fc.nat(), fc.nat(), (ops, listAt, catchAt, splitAt) => {
        const model = simulate(ops);
        const last = ops.length;
        const r0 = listAt % (last + 1);
        const state = new PrefixState();
        state.reset([...model.at[r0]!.values()], r0);
        const pending = model.events.filter((e) => e.rev > r0);
        const split = splitAt % (pending.length + 1);
        for (const event of pending.slice(0, split)) {
          const update = state.applyEvents([event]);
          if (update) checkUpdate(model, update);
        }
        const target = r0 + (catchAt % (last - r0 + 1));
        const caught = state.catchUp([...model.at[target]!.values()], target);
        if (caught) {
          expect(caught.snapshot.revision).toBe(target);
          checkUpdate(model, caught);
        }
        for (const event of pending.slice(split)) {
          const update = state.applyEvents([event]);
          if (update) checkUpdate(model, update);
        }
        expect(plain(state.snapshot()!.entries)).toEqual(plainKvs(model.at[last]!));
      }),
      { seed: 2211, numRuns: 500 },
    );
  });

  it('[R5] a re-list publishes the diff against the last published state as one update', () => {
    const model = simulate([
      { key: 'a', del: false },
      { key: 'b', del: false },
      { key: 'a', del: true },
      { key: 'c', del: false },
      { key: 'b', del: false },
    ]);
    const state = new PrefixState();
    state.reset([...model.at[2]!.values()], 2);
    const update = state.reset([...model.at[5]!.values()], 5);
    expect(update.cause).toBe('list');
    expect(new Set(update.changed)).toEqual(new Set(['a', 'b', 'c']));
    checkUpdate(model, update);
  });

  it('ignores an empty watch response and refuses events before the first list', () => {
    const state = new PrefixState();
    expect(() => state.applyEvents([])).toThrow();
    state.reset([], 3);
    expect(state.applyEvents([])).toBeNull();
    expect(state.snapshot()!.revision).toBe(3);
  });
});
