import { describe, expect, it } from 'vitest';
import { MAX_RECENT, withRecent } from './recent.ts';

describe('recently opened', () => {
  it('[W3] the latest document goes first, once', () => {
    const a = { id: 'a', title: 'A', openedAt: 1 };
    const b = { id: 'b', title: 'B', openedAt: 2 };
    const list = withRecent(withRecent(withRecent([], a), b), { ...a, openedAt: 3 });
    expect(list.map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('[W3] the list is bounded', () => {
    let list: ReturnType<typeof withRecent> = [];
    for (let i = 0; i < 20; i++) list = withRecent(list, { id: `d${i}`, title: '', openedAt: i });
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]?.id).toBe('d19');
  });
});
