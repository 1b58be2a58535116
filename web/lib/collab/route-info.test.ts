import { describe, expect, it } from 'vitest';
import { parseRouteInfo } from './route-info.ts';

describe('route answers', () => {
  it('[C2] a route answer keeps owner, url, epoch and the members with URLs', () => {
    expect(
      parseRouteInfo({
        owner: 'n2',
        url: 'ws://127.0.0.1:2',
        epoch: 9,
        members: [{ id: 'n2', url: 'ws://127.0.0.1:2', state: 'active' }, { id: 'x' }, 'junk'],
      }),
    ).toEqual({
      owner: 'n2',
      url: 'ws://127.0.0.1:2',
      epoch: 9,
      members: [{ id: 'n2', url: 'ws://127.0.0.1:2', state: 'active' }],
    });
  });

  it('[C2] an empty ring has no owner', () => {
    expect(parseRouteInfo({ owner: null, url: null, epoch: 3, members: [] }).owner).toBeNull();
  });

  it('a body of the wrong shape is refused', () => {
    expect(() => parseRouteInfo(null)).toThrow(TypeError);
    expect(() => parseRouteInfo({ owner: 'n1' })).toThrow(TypeError);
  });
});
