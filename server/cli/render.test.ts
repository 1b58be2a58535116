import { describe, expect, it } from 'vitest';
import type { MemberRecord } from '../../ring/etcd/member-record.ts';
import { createKeyspace } from '../../ring/index.ts';
import { httpBaseOf, memberHttpBases } from './cluster-reader.ts';
import { checkSetting } from './config-command.ts';
import { renderDocuments } from './docs-command.ts';
import { drainKey, renderProgress } from './drain-command.ts';
import { UsageError } from './errors.ts';
import { transportCause } from './etcd-session.ts';
import { renderOwner, routeFromMembers } from './owner-command.ts';
import { formatDuration, renderStatus, type StatusReport } from './status-command.ts';

const member = (id: string, state: MemberRecord['state'] = 'active'): MemberRecord => ({
  id,
  publicUrl: `ws://127.0.0.1:40${id.slice(1)}`,
  internalUrl: `ws://127.0.0.1:40${id.slice(1)}`,
  build: '0.1.0',
  protocol: { min: 1, max: 1 },
  state,
  startedAt: 0,
});

describe('status rendering', () => {
  const report: StatusReport = {
    etcd: ['http://127.0.0.1:2379'],
    prefix: '/ringdoc/',
    revision: 42,
    ring: ['n1', 'n2'],
    config: { 'min-client-build': '1.2.0' },
    invalid: [
      {
        key: '/ringdoc/members/bad',
        reason: 'invalid member record at /ringdoc/members/bad: not JSON',
      },
    ],
    nodes: [
      {
        ...member('n1'),
        reachable: true,
        ready: true,
        notReadyReason: null,
        epoch: 42,
        documents: 12,
        connections: 3,
        error: null,
      },
      {
        ...member('n2'),
        reachable: true,
        ready: false,
        notReadyReason: 'fenced',
        epoch: 41,
        documents: 0,
        connections: 0,
        error: null,
      },
      {
        ...member('n3', 'draining'),
        reachable: false,
        ready: null,
        notReadyReason: null,
        epoch: null,
        documents: null,
        connections: null,
        error: 'unreachable (connect ECONNREFUSED)',
      },
    ],
  };

  it('shows the ring, the settings and one row per member with readiness and stats', () => {
    expect(renderStatus(report, 3_723_000)).toBe(
      [
        'etcd http://127.0.0.1:2379  prefix /ringdoc/  revision 42',
        'ring: n1 n2 (2 active of 3)',
        'config: min-client-build=1.2.0',
        '',
        'NODE  STATE     READY        EPOCH  DOCS  CONNS  BUILD     UP  URL',
        'n1    active    yes             42    12      3  0.1.0  1h 2m  ws://127.0.0.1:401',
        'n2    active    no (fenced)     41     0      0  0.1.0  1h 2m  ws://127.0.0.1:402',
        'n3    draining  unreachable      -     -      -  0.1.0  1h 2m  ws://127.0.0.1:403',
        'warning: invalid member record at /ringdoc/members/bad: not JSON',
        '',
      ].join('\n'),
    );
  });

  it('says so when the ring is empty', () => {
    const empty = renderStatus({ ...report, ring: [], nodes: [], config: {}, invalid: [] }, 0);
    expect(empty).toContain('ring: (empty: no active member) (0 active of 0)');
    expect(empty).toContain('config: (none set)');
    expect(empty).toContain('no members registered');
  });

  it('formats uptimes', () => {
    expect([0, 59_000, 61_000, 3_600_000, 90_000_000].map(formatDuration)).toEqual([
      '0s',
      '59s',
      '1m 1s',
      '1h 0m',
      '1d 1h',
    ]);
  });
});

describe('owner', () => {
  it('[R1] routes over the active members only, whatever their order; epoch is the read revision', () => {
    const members = [
      member('n1'),
      member('n2'),
      member('n3'),
      member('n4', 'joining'),
      member('n5', 'draining'),
    ];
    for (let i = 0; i < 50; i++) {
      const docId = `doc-${i}`;
      const route = routeFromMembers(members, 7, docId, 2);
      expect(['n1', 'n2', 'n3']).toContain(route.owner);
      expect(route.replicas).toHaveLength(1);
      expect(route.replicas[0]).not.toBe(route.owner);
      expect(route.epoch).toBe(7);
      expect(route.url).toBe(members.find((m) => m.id === route.owner)?.publicUrl);
      expect(routeFromMembers([...members].reverse(), 7, docId, 2)).toEqual(route);
    }
    expect(routeFromMembers([member('n4', 'joining')], 3, 'x', 2)).toMatchObject({
      owner: null,
      replicas: [],
    });
  });

  it('renders one table row', () => {
    expect(renderOwner('a', { owner: 'n2', url: 'ws://h:2', epoch: 9, replicas: ['n3'] })).toBe(
      'DOCUMENT  OWNER  REPLICAS  EPOCH  URL\na         n2     n3        9      ws://h:2\n',
    );
  });
});

describe('docs rendering', () => {
  it('merges loaded and stored documents into one sorted table', () => {
    expect(renderDocuments({ node: 'n1', loaded: ['b', 'c'], stored: ['a', 'b'] })).toBe(
      [
        'n1: 3 documents (2 loaded, 2 stored)',
        'DOCUMENT  LOADED  STORED',
        'a         no      yes',
        'b         yes     yes',
        'c         yes     no',
        '',
      ].join('\n'),
    );
    expect(renderDocuments({ node: 'n1', loaded: [], stored: [] })).toBe(
      'n1: 0 documents (0 loaded, 0 stored)\n',
    );
  });
});

describe('drain', () => {
  it('[M2] the request key is the one the node watches (the one keyspace both use)', () => {
    // The node's etcd coordination watches `keys.drainRequestKey(id)` (etcd-coordination.ts).
    expect(drainKey('/ringdoc/', 'n2')).toBe(createKeyspace('/ringdoc/').drainRequestKey('n2'));
    expect(drainKey('/other', 'n2')).toBe(createKeyspace('/other/').drainRequestKey('n2'));
    expect(() => drainKey('/ringdoc/', '../n2')).toThrow(UsageError);
  });

  it('renders progress lines', () => {
    expect(renderProgress('n2', { state: 'draining', loaded: 1, stored: 4 }, 2500)).toBe(
      '     2.5s  n2 draining: 4 stored and 1 loaded documents left\n',
    );
    expect(renderProgress('n2', { state: 'active', loaded: null, stored: null }, 0)).toBe(
      '     0.0s  n2 active: documents unknown (node not answering /docs)\n',
    );
  });
});

describe('config', () => {
  it('[C6] checks known settings and refuses unknown names unless forced', () => {
    expect(() => checkSetting('min-client-build', '1.2.0', false)).not.toThrow();
    expect(() => checkSetting('min-client-build', ' ', false)).toThrow(UsageError);
    expect(() => checkSetting('require-client-build', 'true', false)).not.toThrow();
    expect(() => checkSetting('require-client-build', 'yes', false)).toThrow(
      /must be true or false/,
    );
    expect(() => checkSetting('min-client-buid', '1', false)).toThrow(
      /unknown setting "min-client-buid"/,
    );
    expect(() => checkSetting('custom-thing', '1', true)).not.toThrow();
    expect(() => checkSetting('bad/name', '1', true)).toThrow(/invalid setting name/);
  });
});

describe('helpers', () => {
  it('maps ws(s) URLs to http(s) and tries the internal URL first', () => {
    expect(httpBaseOf('ws://h:1/')).toBe('http://h:1');
    expect(httpBaseOf('wss://h')).toBe('https://h');
    expect(httpBaseOf('http://h:2')).toBe('http://h:2');
    expect(
      memberHttpBases({ internalUrl: 'ws://pod:4001', publicUrl: 'wss://n1.example' }),
    ).toEqual(['http://pod:4001', 'https://n1.example']);
    expect(memberHttpBases({ internalUrl: 'ws://h:1', publicUrl: 'ws://h:1' })).toEqual([
      'http://h:1',
    ]);
  });

  it('shortens grpc-js transport errors to their cause', () => {
    const refused = new Error(
      '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2379. Resolution note: ',
    );
    expect(transportCause(refused)).toBe('connect ECONNREFUSED 127.0.0.1:2379');
    expect(transportCause(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'))).toBe(
      '4 DEADLINE_EXCEEDED: Deadline exceeded',
    );
  });
});
