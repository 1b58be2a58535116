import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createRing,
  type Logger,
  type MemberRecord,
  type MemberState,
  type RingView,
} from '../../../../../ring/index.ts';
import type { NodeProbe, RingSnapshot } from '../../../../lib/ring-view/types.ts';
import { createRingFeed, httpBaseOf, httpProbe, type ProbeNode, type ViewSource } from './feed.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function record(id: string, state: MemberState): MemberRecord {
  return {
    id,
    publicUrl: `ws://127.0.0.1:40${id.slice(1).padStart(2, '0')}`,
    internalUrl: 'ws://127.0.0.1:1',
    build: '0.1.0',
    protocol: { min: 1, max: 1 },
    state,
    startedAt: 0,
  };
}

function view(epoch: number, members: [string, MemberState][]): RingView {
  const records = members.map(([id, s]) => record(id, s));
  return {
    epoch,
    ring: createRing(
      records.filter((r) => r.state === 'active').map((r) => r.id),
      { vnodes: 8 },
    ),
    members: new Map(records.map((r) => [r.id, r])),
  };
}

/** A hand-driven membership source. */
function fakeSource(first: RingView | null) {
  let current = first;
  const listeners = new Set<(v: RingView) => void>();
  const source: ViewSource = {
    current: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    source,
    listening: () => listeners.size,
    emit(next: RingView) {
      current = next;
      for (const l of [...listeners]) l(next);
    },
  };
}

const answer = (loaded: string[], connections = 1): NodeProbe => ({
  loaded,
  stored: loaded,
  connections,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createRingFeed', () => {
  it('[W5] publishes the current view at once and every membership change, even a brief one', async () => {
    const fake = fakeSource(
      view(1, [
        ['n1', 'active'],
        ['n2', 'active'],
      ]),
    );
    const feed = createRingFeed({ source: fake.source, log: quiet, probe: async () => answer([]) });
    const seen: RingSnapshot[] = [];
    const stop = feed.subscribe((json) => seen.push(JSON.parse(json) as RingSnapshot));
    expect(seen.map((s) => s.epoch)).toEqual([1]);

    fake.emit(
      view(2, [
        ['n1', 'active'],
        ['n2', 'draining'],
      ]),
    );
    fake.emit(view(3, [['n1', 'active']]));
    expect(seen.slice(0, 3).map((s) => [s.epoch, s.members.map((m) => m.state).join()])).toEqual([
      [1, 'active,active'],
      [2, 'active,draining'],
      [3, 'active'],
    ]);
    stop();
    feed.close();
  });

  it('adds node loads after a probe round and publishes only when the picture changed', async () => {
    vi.useFakeTimers();
    const fake = fakeSource(view(1, [['n1', 'active']]));
    let docs = ['a'];
    const probe = vi.fn<ProbeNode>(async () => answer(docs));
    const feed = createRingFeed({ source: fake.source, log: quiet, probe, intervalMs: 1000 });
    const seen: RingSnapshot[] = [];
    feed.subscribe((json) => seen.push(JSON.parse(json) as RingSnapshot));
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]?.members[0]?.load).toEqual({ loaded: 1, stored: 1, connections: 1 });
    expect(seen[1]?.documents.map((d) => d.id)).toEqual(['a']);

    await vi.advanceTimersByTimeAsync(3000);
    expect(probe.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(seen).toHaveLength(2);

    docs = ['a', 'b'];
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toHaveLength(3);
    expect(seen[2]?.documentsTotal).toBe(2);
    feed.close();
  });

  it('drops the load of a node that does not answer in time, and shows it again once it does', async () => {
    const fake = fakeSource(
      view(1, [
        ['n1', 'active'],
        ['n2', 'active'],
      ]),
    );
    let n2Hangs = false;
    const probe: ProbeNode = (member, signal) =>
      member.id === 'n2' && n2Hangs
        ? new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
        : Promise.resolve(answer([`${member.id}-doc`]));
    const feed = createRingFeed({
      source: fake.source,
      log: quiet,
      probe,
      intervalMs: 20,
      timeoutMs: 30,
    });
    let last: RingSnapshot | null = null;
    feed.subscribe((json) => {
      last = JSON.parse(json) as RingSnapshot;
    });
    const loads = () => (last as RingSnapshot | null)?.members.map((m) => m.load !== null);
    await vi.waitFor(() => expect(loads()).toEqual([true, true]));
    n2Hangs = true;
    await vi.waitFor(() => expect(loads()).toEqual([true, false]));
    expect((last as RingSnapshot | null)?.documents.map((d) => d.id)).toEqual(['n1-doc']);
    n2Hangs = false;
    await vi.waitFor(() => expect(loads()).toEqual([true, true]));
    feed.close();
  });

  it('hands a late subscriber the latest snapshot, and stops following when nobody listens', async () => {
    vi.useFakeTimers();
    const fake = fakeSource(view(4, [['n1', 'active']]));
    const probe = vi.fn<ProbeNode>(async () => answer([]));
    const feed = createRingFeed({ source: fake.source, log: quiet, probe, intervalMs: 1000 });
    const first = feed.subscribe(() => {});
    const late: string[] = [];
    const second = feed.subscribe((json) => late.push(json));
    expect(late).toHaveLength(1);
    expect(late[0]).toBe(feed.latest());
    first();
    second();
    expect(fake.listening()).toBe(0);
    expect(feed.latest()).toBeNull();
    await vi.advanceTimersByTimeAsync(100);
    const calls = probe.mock.calls.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe.mock.calls.length).toBe(calls);
  });

  it('keeps the other listeners when one throws', () => {
    const fake = fakeSource(view(1, [['n1', 'active']]));
    const feed = createRingFeed({ source: fake.source, log: quiet, probe: async () => answer([]) });
    feed.subscribe(() => {
      throw new Error('boom');
    });
    const seen: string[] = [];
    feed.subscribe((json) => seen.push(json));
    fake.emit(view(2, [['n1', 'draining']]));
    expect(seen.map((j) => (JSON.parse(j) as RingSnapshot).epoch)).toEqual([1, 2]);
    feed.close();
  });
});

describe('httpBaseOf', () => {
  it('maps ws(s) to http(s) and refuses other schemes', () => {
    expect(httpBaseOf('ws://127.0.0.1:4001')).toBe('http://127.0.0.1:4001');
    expect(httpBaseOf('wss://ring.example/nodes/a/')).toBe('https://ring.example/nodes/a');
    expect(httpBaseOf('http://127.0.0.1:4001')).toBe('http://127.0.0.1:4001');
    expect(httpBaseOf('ftp://x')).toBeNull();
    expect(httpBaseOf('not a url')).toBeNull();
  });
});

describe('httpProbe', () => {
  it('reads connections from /ring and the document lists from /docs', async () => {
    const urls: string[] = [];
    const fakeFetch = (async (url: string) => {
      urls.push(url);
      return url.endsWith('/ring')
        ? Response.json({ stats: { documents: 2, connections: 3 } })
        : Response.json({ node: 'n1', loaded: ['a'], stored: ['a', 'b', 7] });
    }) as unknown as typeof fetch;
    const result = await httpProbe(fakeFetch)(record('n1', 'active'), new AbortController().signal);
    expect(result).toEqual({ connections: 3, loaded: ['a'], stored: ['a', 'b'] });
    expect(urls.sort()).toEqual(['http://127.0.0.1:4001/docs', 'http://127.0.0.1:4001/ring']);
  });

  it('rejects on a non-200 answer', async () => {
    const fakeFetch = (async () =>
      new Response('membership view not ready', { status: 503 })) as unknown as typeof fetch;
    await expect(
      httpProbe(fakeFetch)(record('n1', 'active'), new AbortController().signal),
    ).rejects.toThrow(/503/);
  });
});
