import { describe, expect, it } from 'vitest';
import { addSplit, type CpuProfile, emptySplitCounts, samplesIn, splitAreaOf } from './profile.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

describe('per-update CPU split of a profile', () => {
  it('puts the store under journal, yjs/lib0 under Yjs, uWS and the protocol under transport', () => {
    expect(splitAreaOf('ringdoc store')).toBe('journal');
    expect(splitAreaOf('lib0')).toBe('Yjs');
    expect(splitAreaOf('uWebSockets.js')).toBe('transport');
    expect(splitAreaOf('ringdoc protocol')).toBe('transport');
    expect(splitAreaOf('(garbage collector)')).toBe('GC');
    expect(splitAreaOf('etcd client')).toBe('coordination');
    expect(splitAreaOf('ringdoc other')).toBe('other');
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
    const counts = emptySplitCounts();
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
    const counts = emptySplitCounts();
    addSplit(profile, counts);
    expect(counts).toEqual({ ...emptySplitCounts(), journal: 1, Yjs: 3, GC: 1 });
  });

  it('names what used to be "other": sessions, replication, awareness, promise machinery, tsx __name', () => {
    const url = (p: string) => `file:///x/${p}`;
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 7, 9] },
        { id: 2, callFrame: frame('receive', url('server/documents/session.ts')) },
        { id: 3, callFrame: frame('take', url('server/limits/token-bucket.ts')) },
        { id: 4, callFrame: frame('flush', url('server/cluster/replicator.ts')) },
        {
          id: 5,
          callFrame: frame('processTicksAndRejections', 'node:internal/process/task_queues'),
          children: [6],
        },
        { id: 6, callFrame: frame('runMicrotasks') },
        {
          id: 7,
          callFrame: frame('append', url('server/persistence/journal-store.ts')),
          children: [8],
        },
        { id: 8, callFrame: frame('__name', url('server/persistence/journal-store.ts')) },
        {
          id: 9,
          callFrame: frame('applyAwarenessUpdate', url('node_modules/y-protocols/awareness.js')),
        },
      ],
      samples: [2, 3, 4, 6, 6, 8, 9],
    };
    const counts = emptySplitCounts();
    addSplit(profile, counts);
    expect(counts).toEqual({
      ...emptySplitCounts(),
      sessions: 2,
      replication: 1,
      'promises & timers': 2,
      'tsx __name': 1,
      awareness: 1,
    });
  });
});

describe('profile window', () => {
  it('counts only the samples taken inside the measured steps', () => {
    const profile: CpuProfile = {
      startTime: 1_000,
      endTime: 1_060,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3] },
        { id: 2, callFrame: frame('connect', 'file:///x/server/node/admission.ts') },
        { id: 3, callFrame: frame('append', 'file:///x/server/persistence/journal-store.ts') },
      ],
      // connects at 1010 and 1020, then the measured steps from 1030: appends at 1030…1050
      samples: [2, 2, 3, 3, 3, 2],
      timeDeltas: [10, 10, 10, 10, 10, 10],
    };
    expect(samplesIn(profile, { fromUs: 1_025, toUs: 1_055 })).toEqual([3, 3, 3]);
    const all = emptySplitCounts();
    addSplit(profile, all);
    expect(all).toMatchObject({ sessions: 3, journal: 3 });
    const steps = emptySplitCounts();
    addSplit(profile, steps, { fromUs: 1_025, toUs: 1_055 });
    expect(steps).toMatchObject({ sessions: 0, journal: 3 });
  });

  it('keeps every sample when the profile has no timestamps', () => {
    const profile: CpuProfile = { startTime: 0, endTime: 1, nodes: [], samples: [1, 2] };
    expect(samplesIn(profile, { fromUs: 5, toUs: 6 })).toEqual([1, 2]);
  });
});
