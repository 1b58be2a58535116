import { describe, expect, it } from 'vitest';
import { RING_SIZE } from './arcs.ts';
import { arcPath, memberArcPaths, pointAngle, polar } from './geometry.ts';

const circle = { cx: 100, cy: 100, r: 50 };

describe('pointAngle / polar', () => {
  it('puts point 0 at 12 o’clock and goes clockwise', () => {
    expect(polar(circle, pointAngle(0))).toEqual({ x: 100, y: 50 });
    expect(polar(circle, pointAngle(RING_SIZE / 4))).toEqual({ x: 150, y: 100 });
    expect(polar(circle, pointAngle(RING_SIZE / 2))).toEqual({ x: 100, y: 150 });
    expect(polar(circle, pointAngle((3 * RING_SIZE) / 4))).toEqual({ x: 50, y: 100 });
  });
});

describe('arcPath', () => {
  it('draws a quarter clockwise with the small-arc flag', () => {
    expect(arcPath({ start: 0, end: RING_SIZE / 4 }, circle)).toBe('M100 50A50 50 0 0 1 150 100');
  });

  it('sets the large-arc flag past half the ring, also when wrapping past 0', () => {
    expect(arcPath({ start: RING_SIZE / 4, end: 0 }, circle)).toBe('M150 100A50 50 0 1 1 100 50');
  });

  it('draws the whole ring (equal ends) as two half circles', () => {
    expect(arcPath({ start: 0, end: 0 }, circle)).toBe(
      'M100 50A50 50 0 0 1 100 150A50 50 0 0 1 100 50',
    );
  });
});

describe('memberArcPaths', () => {
  it('joins every arc of one owner into one path, owners in order of appearance', () => {
    const paths = memberArcPaths(
      [
        { start: 0, end: RING_SIZE / 4, owner: 'b' },
        { start: RING_SIZE / 4, end: RING_SIZE / 2, owner: 'a' },
        { start: RING_SIZE / 2, end: 0, owner: 'b' },
      ],
      circle,
    );
    expect([...paths.keys()]).toEqual(['b', 'a']);
    expect(paths.get('b')).toBe('M100 50A50 50 0 0 1 150 100M100 150A50 50 0 0 1 100 50');
    expect(paths.get('a')).toBe('M150 100A50 50 0 0 1 100 150');
  });
});
