import { describe, expect, it } from 'vitest';
import { MEMBER_PALETTE, memberColours } from './colours.ts';

describe('memberColours', () => {
  it('gives distinct colours to up to palette-size members, whatever the input order', () => {
    const ids = Array.from({ length: MEMBER_PALETTE.length }, (_, i) => `n${i + 1}`);
    const a = memberColours(ids);
    const b = memberColours([...ids].reverse());
    expect(new Set(a.values()).size).toBe(MEMBER_PALETTE.length);
    expect([...a].sort()).toEqual([...b].sort());
  });

  it('keeps the colours of members whose slot nobody else needed when one joins', () => {
    const before = memberColours(['n1', 'n2', 'n3']);
    const after = memberColours(['n1', 'n2', 'n3', 'n4']);
    const changed = ['n1', 'n2', 'n3'].filter((id) => before.get(id) !== after.get(id));
    // Only a member sorted after n4 could be pushed by a collision; there is none.
    expect(changed).toEqual([]);
  });

  it('repeats colours rather than failing beyond the palette', () => {
    const ids = Array.from({ length: MEMBER_PALETTE.length + 3 }, (_, i) => `m${i}`);
    const colours = memberColours(ids);
    expect(colours.size).toBe(ids.length);
    for (const c of colours.values()) expect(MEMBER_PALETTE).toContain(c);
  });
});
