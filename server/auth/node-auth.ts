import type { Clock } from '../clock.ts';
import type { LinkStatus } from '../coordination/coordination.ts';
import type { Logger } from '../log.ts';
import { type AuthGuard, createAuthGuard, type GuardedSession } from './guard.ts';
import { createTicketVerifier } from './ticket.ts';

/** A node's access control (P21): ticket verification, link checks, revocations, expiry sweep. */
export interface NodeAuth {
  /** Imports the key; call before the node accepts sockets. */
  start(): Promise<void>;
  /** See `AuthGuard.admit`. Valid after `start`. */
  admit(session: GuardedSession, admitted: () => void): (frame: Uint8Array) => void;
  forget(session: GuardedSession): void;
  /**
   * A link was revoked (by its document's owner, or as the web app tells every node): closes
   * this node's sockets holding its tickets (4403) and refuses them from now on. Returns how
   * many were closed.
   */
  revoke(linkId: string): number;
  stop(): Promise<void>;
}

export interface NodeAuthOptions {
  /** SPKI PEM public key(s) of the web app's ticket signer. */
  readonly publicKeys: string;
  /** The link of a ticket as its document's owner keeps it (`server/meta/link-lookup.ts`). */
  readonly linkStatus: (linkId: string, docId: string) => Promise<LinkStatus>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ticketWaitMs: number;
  readonly maxUnauthenticatedBytes: number;
}

/** Creates the access control of one node; `start` rejects on an unusable key. */
export function createNodeAuth(options: NodeAuthOptions): NodeAuth {
  let guard: AuthGuard | null = null;
  // Revocations this node was told of: refused at once, before the owner is asked again.
  const revoked = new Set<string>();
  const required = (): AuthGuard => {
    if (!guard) throw new Error('access control used before start()');
    return guard;
  };
  return {
    async start() {
      const verifier = await createTicketVerifier({
        publicKeys: options.publicKeys,
        now: options.clock.now,
      });
      guard = createAuthGuard({
        verifier,
        isRevoked: (id) => revoked.has(id),
        linkStatus: options.linkStatus,
        clock: options.clock,
        ticketWaitMs: options.ticketWaitMs,
        maxUnauthenticatedBytes: options.maxUnauthenticatedBytes,
      });
      guard.start();
      options.log.info('access control on: clients need a ticket (P21)');
    },
    admit: (session, admitted) => required().admit(session, admitted),
    forget: (session) => guard?.forget(session),
    revoke(linkId) {
      revoked.add(linkId);
      const closed = guard?.revoke(linkId) ?? 0;
      options.log.info('share link revoked', { linkId, closed });
      return closed;
    },
    async stop() {
      guard?.stop();
    },
  };
}
