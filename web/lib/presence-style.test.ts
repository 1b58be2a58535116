import { describe, expect, it } from 'vitest';
import { distinctColor, initialsOf, PALETTE } from './presence-style.ts';

describe('presence colours', () => {
  it('keeps the preferred colour when nobody else has it', () => {
    expect(distinctColor('#d1495b', 5, new Map([[1, '#00798c']]))).toBe('#d1495b');
  });

  it('moves the higher client id to a free colour; the lower id keeps it', () => {
    const others = new Map([[1, '#d1495b']]);
    expect(distinctColor('#d1495b', 5, others)).toBe(PALETTE[1]);
    expect(distinctColor('#d1495b', 1, new Map([[5, '#d1495b']]))).toBe('#d1495b');
  });

  it('gives 8 people who all prefer one colour 8 different colours once they settle', () => {
    const ids = [40, 7, 19, 3, 88, 12, 61, 25];
    const colours = new Map(ids.map((id) => [id, PALETTE[0] as string]));
    for (let round = 0; round < 10; round++) {
      for (const id of ids) {
        const others = new Map([...colours].filter(([k]) => k !== id));
        colours.set(id, distinctColor(colours.get(id) as string, id, others));
      }
    }
    expect(new Set(colours.values()).size).toBe(8);
  });
});

describe('initials', () => {
  it('skips placeholder words so guests are told apart', () => {
    expect(initialsOf('Guest Otter')).toBe('O');
    expect(initialsOf('Guest Heron')).toBe('H');
    expect(initialsOf('Ada Lovelace')).toBe('AL');
    expect(initialsOf('bob')).toBe('B');
    expect(initialsOf('Guest')).toBe('G');
    expect(initialsOf('  ')).toBe('?');
  });
});
