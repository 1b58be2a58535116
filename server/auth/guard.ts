import type { Clock } from '../clock.ts';
import type { LinkStatus } from '../coordination/coordination.ts';
import type { Permission } from '../protocol/index.ts';
import { CloseCode, decodeClientFrame, MessageType, ProtocolError } from '../protocol/index.ts';
import {
  type Grant,
  grantCovers,
  TICKET_CLOCK_TOLERANCE_SECONDS,
  type TicketVerifier,
} from './ticket.ts';

/** What the guard needs of a session (`server/documents/session.ts` implements it). */
export interface GuardedSession {
  readonly info: { readonly docId: string };
  readonly conn: { readonly closed: boolean };
  receive(frame: Uint8Array): void;
  reject(code: number, detail: string, extra?: { retryAfterMs?: number }): void;
  setPermission(perm: Permission): void;
}

export interface AuthGuardOptions {
  readonly verifier: TicketVerifier;
  /** True for a revoked share link (what the watch has seen; synchronous). */
  readonly isRevoked: (linkId: string) => boolean;
  /**
   * The share link's state as the ticket's document keeps it (P21: tickets only of live links);
   * rejects when it cannot be read.
   */
  readonly linkStatus: (linkId: string, docId: string) => Promise<LinkStatus>;
  /** A socket without a ticket after this long is closed with 4401. */
  readonly ticketWaitMs: number;
  /** Bytes a socket may send before its ticket is verified; more closes it with 1009. */
  readonly maxUnauthenticatedBytes: number;
  /** Wall clock (ms) and the timer of the expiry sweep. */
  readonly clock: Pick<Clock, 'now' | 'every'>;
}

/** Admission by ticket (P21): one per node. */
export interface AuthGuard {
  /**
   * Takes over `session`'s inbound frames: the first must be a TICKET; once it verifies for
   * this document (and its link is not revoked) the session gets the ticket's permission and
   * `admitted` runs (the owner decision and load follow). Returns the socket's frame handler:
   * later TICKET frames renew the ticket, anything else goes to `session.receive`.
   * Nothing of the document is loaded for a socket that is not admitted.
   */
  admit(session: GuardedSession, admitted: () => void): (frame: Uint8Array) => void;
  /** The socket closed: forget it. */
  forget(session: GuardedSession): void;
  /** Closes (4403) every socket holding a ticket of `linkId`; returns how many. */
  revoke(linkId: string): number;
  /** Closes sockets whose ticket expired or that sent none in time (4401). Runs every second once started. */
  sweep(): void;
  start(): void;
  stop(): void;
  /** Sockets being tracked (admitted or waiting). */
  readonly size: number;
  /** Tickets being verified now (first tickets and renewals). */
  readonly verifying: number;
}

interface Entry {
  stage: 'awaiting' | 'verifying' | 'admitted';
  readonly openedAt: number;
  unauthenticatedBytes: number;
  grant: Grant | null;
}

/** Why a verified ticket may still not be used: the close code and the reason. */
interface Refusal {
  readonly code: number;
  readonly reason: string;
}

/**
 * Creates the guard. Failures close with the codes of PROTOCOL.md P21: no/forged/expired/
 * malformed ticket 4401; a ticket of another document, or whose link is revoked, absent, of
 * another document or only for viewing (an edit ticket) 4403; the link store unreachable 4503
 * (retry); too much data before the ticket is verified 1009.
 */
export function createAuthGuard(options: AuthGuardOptions): AuthGuard {
  const now = options.clock.now;
  const entries = new Map<GuardedSession, Entry>();
  let stopSweep: (() => void) | null = null;

  const refuse = (session: GuardedSession, code: number, reason: string) => {
    entries.delete(session);
    session.reject(code, reason);
  };

  /** Why `grant` may not be used on `session` (4403), or `null`. */
  const forbidden = (session: GuardedSession, grant: Grant): string | null => {
    if (!grantCovers(grant.docId, session.info.docId)) {
      return `ticket is for document ${grant.docId}, not ${session.info.docId}`;
    }
    if (options.isRevoked(grant.linkId)) return 'the share link of this ticket was revoked';
    return null;
  };

  /**
   * Why the link of `grant` does not back it (4403), or `null`: it must exist, be live, open
   * the ticket's document, and allow the ticket's permission. A link whose state cannot be
   * read refuses with retry (the service is unreachable: fail closed).
   */
  const linkProblem = async (grant: Grant): Promise<Refusal | null> => {
    let status: LinkStatus;
    try {
      status = await options.linkStatus(grant.linkId, grant.docId);
    } catch {
      return { code: CloseCode.RETRY, reason: 'cannot check the share link now; retry' };
    }
    const forbid = (reason: string): Refusal => ({ code: CloseCode.FORBIDDEN, reason });
    if (status.state === 'absent') return forbid('the share link of this ticket does not exist');
    if (status.state === 'revoked') return forbid('the share link of this ticket was revoked');
    if (status.doc !== grant.docId) {
      return forbid('the share link of this ticket is for another document');
    }
    if (grant.perm === 'edit' && status.perm === 'view') {
      return forbid('the share link of this ticket only allows viewing');
    }
    return null;
  };

  const readTicket = (frame: Uint8Array): string | null => {
    try {
      const decoded = decodeClientFrame(frame);
      return decoded.type === 'ticket' ? decoded.ticket : null;
    } catch (error) {
      if (error instanceof ProtocolError) return null;
      throw error;
    }
  };

  let verifying = 0;
  /** The grant, or why it may not be used (4401 for the ticket itself, else its link's refusal). */
  const verify = async (ticket: string): Promise<{ grant: Grant } | Refusal> => {
    verifying++;
    try {
      const grant = await options.verifier.verify(ticket);
      return (await linkProblem(grant)) ?? { grant };
    } catch (error) {
      const reason = (error as { reason?: string }).reason ?? 'ticket is not valid';
      return { code: CloseCode.UNAUTHORIZED, reason };
    } finally {
      verifying--;
    }
  };

  /** Closes `session` with `refusal` (retry-after for the retry code). */
  const refuseWith = (session: GuardedSession, refusal: Refusal) => {
    entries.delete(session);
    session.reject(
      refusal.code,
      refusal.reason,
      refusal.code === CloseCode.RETRY ? { retryAfterMs: 1000 } : undefined,
    );
  };

  const first = (
    session: GuardedSession,
    entry: Entry,
    frame: Uint8Array,
    admitted: () => void,
  ) => {
    const ticket = readTicket(frame);
    if (ticket === null) {
      refuse(session, CloseCode.UNAUTHORIZED, 'a ticket is required: send TICKET first (P21)');
      return;
    }
    entry.stage = 'verifying';
    void verify(ticket).then((result) => {
      if (session.conn.closed || entries.get(session) !== entry) return;
      if (!('grant' in result)) {
        refuseWith(session, result);
        return;
      }
      const { grant } = result;
      const why = forbidden(session, grant);
      if (why) {
        refuse(session, CloseCode.FORBIDDEN, why);
        return;
      }
      entry.grant = grant;
      entry.stage = 'admitted';
      session.setPermission(grant.perm);
      admitted();
    });
  };

  const renew = (session: GuardedSession, entry: Entry, frame: Uint8Array) => {
    const ticket = readTicket(frame);
    if (ticket === null) {
      // Not a well-formed ticket: the session's own decoder reports the malformed frame.
      session.receive(frame);
      return;
    }
    void verify(ticket).then((result) => {
      if (session.conn.closed || entries.get(session) !== entry) return;
      if (!('grant' in result)) {
        refuseWith(session, result);
        return;
      }
      const { grant } = result;
      const current = entry.grant;
      const why =
        forbidden(session, grant) ??
        (current && (grant.docId !== current.docId || grant.perm !== current.perm)
          ? 'a renewed ticket must be for the same document and permission'
          : null);
      if (why) {
        refuse(session, CloseCode.FORBIDDEN, why);
        return;
      }
      entry.grant = grant;
    });
  };

  const guard: AuthGuard = {
    admit(session, admitted) {
      const entry: Entry = {
        stage: 'awaiting',
        openedAt: now(),
        unauthenticatedBytes: 0,
        grant: null,
      };
      entries.set(session, entry);
      return (frame) => {
        if (entries.get(session) !== entry) return;
        if (entry.stage === 'admitted') {
          if (frame[0] === MessageType.TICKET) renew(session, entry, frame);
          else session.receive(frame);
          return;
        }
        entry.unauthenticatedBytes += frame.length;
        if (entry.unauthenticatedBytes > options.maxUnauthenticatedBytes) {
          refuse(
            session,
            CloseCode.TOO_BIG,
            `more than ${options.maxUnauthenticatedBytes} bytes before the ticket was verified`,
          );
          return;
        }
        if (entry.stage === 'awaiting') first(session, entry, frame, admitted);
        else session.receive(frame);
      };
    },
    forget(session) {
      entries.delete(session);
    },
    revoke(linkId) {
      let closed = 0;
      for (const [session, entry] of [...entries]) {
        if (entry.grant?.linkId !== linkId) continue;
        refuse(session, CloseCode.FORBIDDEN, 'the share link of this ticket was revoked');
        closed++;
      }
      return closed;
    },
    sweep() {
      const t = now();
      for (const [session, entry] of [...entries]) {
        if (session.conn.closed) {
          entries.delete(session);
        } else if (entry.grant) {
          if (t > entry.grant.expiresAt + TICKET_CLOCK_TOLERANCE_SECONDS * 1000) {
            refuse(
              session,
              CloseCode.UNAUTHORIZED,
              'ticket expired; fetch a new one and reconnect',
            );
          }
        } else if (t - entry.openedAt > options.ticketWaitMs) {
          refuse(session, CloseCode.UNAUTHORIZED, 'no ticket presented in time');
        }
      }
    },
    start() {
      stopSweep ??= options.clock.every(1000, () => guard.sweep());
    },
    stop() {
      stopSweep?.();
      stopSweep = null;
      entries.clear();
    },
    get size() {
      return entries.size;
    },
    get verifying() {
      return verifying;
    },
  };
  return guard;
}
