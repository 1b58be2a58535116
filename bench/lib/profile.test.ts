import { describe, expect, it } from 'vitest';
import { addSplit, type CpuProfile, splitAreaOf } from './profile.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

describe('per-update CPU split of a profile', () => {
  it('puts the store under journal, yjs/lib0 under Yjs, uWS and the protocol under transport', () => {
    expect(splitAreaOf('ringdoc store')).toBe('journal');
    expect(splitAreaOf('lib0')).toBe('Yjs');
    expect(splitAreaOf('uWebSockets.js')).toBe('transport');
    expect(splitAreaOf('ringdoc protocol')).toBe('transport');
    expect(splitAreaOf('(garbage collector)')).toBe('GC');
    expect(splitAreaOf('etcd client')).toBe('other');
    expect(splitAreaOf('native/builtin')).toBeNull();
  });

  it('charges native self time (fsync) to the nearest caller with an area, start-up apart', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 4] },
        {
          id: 2,
          callFrame: frame('commit', 'file:///x/server/persistence/journal.ts'),
          children: [3],
        },
        { id: 3, callFrame: frame('fsync') },
        { id: 4, callFrame: frame('load', 'node:internal/modules/esm/loader'), children: [5] },
        { id: 5, callFrame: frame('compile') },
      ],
      samples: [3, 3, 5],
    };
    const counts = { journal: 0, Yjs: 0, transport: 0, GC: 0, other: 0, startup: 0 };
    addSplit(profile, counts);
    expect(counts).toMatchObject({ journal: 2, startup: 1, other: 0 });
  });

  it('counts busy self-time samples, leaving idle and program out', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1,
      nodes: [
        { id: 1, callFrame: frame('(idle)') },
        { id: 2, callFrame: frame('applyUpdate', 'file:///x/node_modules/yjs/dist/yjs.mjs') },
        { id: 3, callFrame: frame('(garbage collector)') },
        { id: 4, callFrame: frame('append', 'file:///x/server/persistence/journal.ts') },
        { id: 5, callFrame: frame('(program)') },
      ],
      samples: [1, 1, 2, 2, 2, 3, 4, 5],
    };
    const counts = { journal: 0, Yjs: 0, transport: 0, GC: 0, other: 0, startup: 0 };
    addSplit(profile, counts);
    expect(counts).toEqual({ journal: 1, Yjs: 3, transport: 0, GC: 1, other: 0, startup: 0 });
  });
});
