import { describe, expect, it } from 'vitest';
import { addId, deleteId, type IdGroup, idsOf } from './id-group.ts';

describe('id group', () => {
  it('holds none, one or several ids, as a set would', () => {
    let group: IdGroup = null;
    expect(idsOf(group)).toEqual([]);
    group = addId(group, 7);
    expect(group).toBe(7);
    group = addId(group, 7);
    expect(idsOf(group)).toEqual([7]);
    group = addId(addId(group, 9), 11);
    expect(idsOf(group)).toEqual([7, 9, 11]);
    group = deleteId(group, 9);
    expect(idsOf(group)).toEqual([7, 11]);
    group = deleteId(group, 42);
    expect(idsOf(group)).toEqual([7, 11]);
    group = deleteId(group, 7);
    expect(group).toBe(11);
    expect(deleteId(group, 5)).toBe(11);
    expect(deleteId(group, 11)).toBeNull();
    expect(deleteId(null, 11)).toBeNull();
  });

  it('matches a Set under random adds and deletes', () => {
    let seed = 1;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed % 6;
    };
    let group: IdGroup = null;
    const model = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const id = next();
      if (next() < 3) {
        group = addId(group, id);
        model.add(id);
      } else {
        group = deleteId(group, id);
        model.delete(id);
      }
      expect(new Set(idsOf(group))).toEqual(model);
    }
  });
});
