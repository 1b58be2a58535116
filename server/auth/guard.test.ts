import { describe, expect, it } from 'vitest';
import type { LinkStatus } from '../coordination/coordination.ts';
import { encodeSyncStep1, encodeTicket, type Permission } from '../protocol/index.ts';
import { createAuthGuard, type GuardedSession } from './guard.ts';
import { createTicketSigner, createTicketVerifier, generateTicketKeys } from './ticket.ts';

const keys = generateTicketKeys();

class FakeSession implements GuardedSession {
  readonly conn = { closed: false };
  readonly received: Uint8Array[] = [];
  closeCode: number | null = null;
  closeReason = '';
  perm: Permission | null = null;
  constructor(readonly info: { docId: string }) {}
  receive(frame: Uint8Array) {
    this.received.push(frame);
  }
  reject(code: number, detail: string) {
    if (this.conn.closed) return;
    this.conn.closed = true;
    this.closeCode = code;
    this.closeReason = detail;
  }
  setPermission(perm: Permission) {
    this.perm = perm;
  }
}

async function setup(
  options: {
    revoked?: Set<string>;
    maxBytes?: number;
    links?: Map<string, LinkStatus | 'unreachable'>;
  } = {},
) {
  let t = 1_800_000_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const signer = await createTicketSigner({ privateKey: keys.privateKey, now: clock.now });
  const verifier = await createTicketVerifier({ publicKeys: keys.publicKey, now: clock.now });
  const revoked = options.revoked ?? new Set<string>();
  const guard = createAuthGuard({
    verifier,
    isRevoked: (id) => revoked.has(id),
    // Links not listed are live edit links of doc-a.
    linkStatus: async (id) => {
      if (revoked.has(id)) return { state: 'revoked' };
      const status = options.links?.get(id) ?? { state: 'live', doc: 'doc-a', perm: 'edit' };
      if (status === 'unreachable') throw new Error('etcd unreachable');
      return status;
    },
    ticketWaitMs: 10_000,
    maxUnauthenticatedBytes: options.maxBytes ?? 64 * 1024,
    clock: { now: clock.now, every: () => () => {} },
  });
  const ticket = async (docId: string, perm: Permission = 'edit', linkId = 'link-0001') =>
    encodeTicket((await signer.sign({ docId, perm, linkId })).ticket);
  return { guard, clock, ticket, revoked };
}

/** Lets ticket verification (asynchronous crypto, no timers) finish until `until()` holds. */
async function settle(until: () => boolean) {
  for (let i = 0; i < 10_000 && !until(); i++) await new Promise((r) => setImmediate(r));
}

describe('admission by ticket', () => {
  it('[P21] a valid ticket admits the socket with its permission; queued frames follow in order', async () => {
    const { guard, ticket } = await setup();
    const session = new FakeSession({ docId: 'doc-a/comments' });
    let admitted = false;
    const onFrame = guard.admit(session, () => {
      admitted = true;
    });
    const step1 = encodeSyncStep1(new Uint8Array([0]));
    onFrame(await ticket('doc-a', 'view'));
    onFrame(step1);
    await settle(() => admitted);
    expect(admitted).toBe(true);
    expect(session.perm).toBe('view');
    expect(session.received).toEqual([step1]);
    onFrame(step1);
    expect(session.received).toHaveLength(2);
  });

  it('[P21] no ticket first → 4401 and nothing reaches the session', async () => {
    const { guard } = await setup();
    const session = new FakeSession({ docId: 'doc-a' });
    let admitted = false;
    guard.admit(session, () => {
      admitted = true;
    })(encodeSyncStep1(new Uint8Array([0])));
    expect(session.closeCode).toBe(4401);
    expect(session.closeReason).toMatch(/ticket is required/);
    expect(session.received).toEqual([]);
    expect(admitted).toBe(false);
  });

  it('[P21] a forged ticket → 4401; a ticket for another document → 4403; never admitted', async () => {
    const { guard, ticket } = await setup();
    const forgedKeys = generateTicketKeys();
    const forger = await createTicketSigner({ privateKey: forgedKeys.privateKey });
    const forged = new FakeSession({ docId: 'doc-a' });
    const other = new FakeSession({ docId: 'doc-b' });
    const admitted: string[] = [];
    guard.admit(forged, () => admitted.push('forged'))(
      encodeTicket(
        (await forger.sign({ docId: 'doc-a', perm: 'edit', linkId: 'x1234567' })).ticket,
      ),
    );
    guard.admit(other, () => admitted.push('other'))(await ticket('doc-a'));
    await settle(() => forged.closeCode !== null && other.closeCode !== null);
    expect([forged.closeCode, other.closeCode]).toEqual([4401, 4403]);
    expect(other.closeReason).toMatch(/ticket is for document doc-a, not doc-b/);
    expect(admitted).toEqual([]);
  });

  it('[P21] a ticket of a revoked link → 4403; revoking closes admitted sockets of that link only', async () => {
    const { guard, ticket, revoked } = await setup();
    const a = new FakeSession({ docId: 'doc-a' });
    const b = new FakeSession({ docId: 'doc-a' });
    let admitted = 0;
    guard.admit(a, () => admitted++)(await ticket('doc-a', 'edit', 'link-aaaa'));
    guard.admit(b, () => admitted++)(await ticket('doc-a', 'edit', 'link-bbbb'));
    await settle(() => admitted === 2);
    revoked.add('link-aaaa');
    expect(guard.revoke('link-aaaa')).toBe(1);
    expect([a.closeCode, b.closeCode]).toEqual([4403, null]);
    const late = new FakeSession({ docId: 'doc-a' });
    guard.admit(late, () => admitted++)(await ticket('doc-a', 'edit', 'link-aaaa'));
    await settle(() => late.closeCode !== null);
    expect(late.closeCode).toBe(4403);
    expect(admitted).toBe(2);
  });

  it('[P21] an expired ticket is closed by the sweep unless renewed; a renewal must match', async () => {
    const { guard, ticket, clock } = await setup();
    const renewed = new FakeSession({ docId: 'doc-a' });
    const lapsed = new FakeSession({ docId: 'doc-a' });
    const switched = new FakeSession({ docId: 'doc-a' });
    let admitted = 0;
    const frames = [renewed, lapsed, switched].map((s) => guard.admit(s, () => admitted++));
    for (const f of frames) f(await ticket('doc-a', 'edit'));
    await settle(() => admitted === 3);
    clock.advance(240_000);
    frames[0]!(await ticket('doc-a', 'edit'));
    frames[2]!(await ticket('doc-a', 'view'));
    await settle(() => switched.closeCode !== null);
    expect(switched.closeCode).toBe(4403);
    await settle(() => guard.verifying === 0);
    clock.advance(70_000);
    guard.sweep();
    expect(lapsed.closeCode).toBe(4401);
    expect(lapsed.closeReason).toMatch(/expired/);
    expect(renewed.closeCode).toBeNull();
  });

  it('[P21][P22] a socket silent past ticketWaitMs or flooding before verification is closed', async () => {
    const { guard, clock, ticket } = await setup({ maxBytes: 1000 });
    const silent = new FakeSession({ docId: 'doc-a' });
    guard.admit(silent, () => {});
    clock.advance(10_001);
    guard.sweep();
    expect(silent.closeCode).toBe(4401);
    const flood = new FakeSession({ docId: 'doc-a' });
    const onFrame = guard.admit(flood, () => {});
    onFrame(await ticket('doc-a'));
    onFrame(encodeSyncStep1(new Uint8Array(1200)));
    expect(flood.closeCode).toBe(1009);
    expect(guard.size).toBe(0);
  });

  it('[P21] a ticket whose link is absent, of another document, view-only (for edit) or unreadable is refused', async () => {
    const links = new Map<string, LinkStatus | 'unreachable'>([
      ['link-gone', { state: 'absent' }],
      ['link-other', { state: 'live', doc: 'doc-b', perm: 'edit' }],
      ['link-view', { state: 'live', doc: 'doc-a', perm: 'view' }],
      ['link-down', 'unreachable'],
    ]);
    const { guard, ticket } = await setup({ links });
    const cases: Array<[string, Permission, number, RegExp]> = [
      ['link-gone', 'edit', 4403, /does not exist/],
      ['link-other', 'edit', 4403, /another document/],
      ['link-view', 'edit', 4403, /only allows viewing/],
      ['link-down', 'edit', 4503, /retry/],
    ];
    let admitted = 0;
    for (const [linkId, perm, code, reason] of cases) {
      const session = new FakeSession({ docId: 'doc-a' });
      guard.admit(session, () => admitted++)(await ticket('doc-a', perm, linkId));
      await settle(() => session.closeCode !== null);
      expect([linkId, session.closeCode]).toEqual([linkId, code]);
      expect(session.closeReason).toMatch(reason);
    }
    const viewer = new FakeSession({ docId: 'doc-a' });
    guard.admit(viewer, () => admitted++)(await ticket('doc-a', 'view', 'link-view'));
    await settle(() => admitted === 1);
    expect(viewer.closeCode).toBeNull();
    expect(admitted).toBe(1);
  });
});
