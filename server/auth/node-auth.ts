import type { Clock } from '../clock.ts';
import type { Coordination, RevocationView } from '../coordination/coordination.ts';
import type { Logger } from '../log.ts';
import { type AuthGuard, createAuthGuard, type GuardedSession } from './guard.ts';
import { createTicketVerifier } from './ticket.ts';

/** A node's access control (P21): ticket verification, revocation watch, expiry sweep. */
export interface NodeAuth {
  /** Imports the key and loads the revoked links; call before the node accepts sockets. */
  start(coordination: Coordination): Promise<void>;
  /** See `AuthGuard.admit`. Valid after `start`. */
  admit(session: GuardedSession, admitted: () => void): (frame: Uint8Array) => void;
  forget(session: GuardedSession): void;
  stop(): Promise<void>;
}

export interface NodeAuthOptions {
  /** SPKI PEM public key(s) of the web app's ticket signer. */
  readonly publicKeys: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ticketWaitMs: number;
  readonly maxUnauthenticatedBytes: number;
}

/** Creates the access control of one node; `start` rejects on an unusable key. */
export function createNodeAuth(options: NodeAuthOptions): NodeAuth {
  let guard: AuthGuard | null = null;
  let revocations: RevocationView | null = null;
  const required = (): AuthGuard => {
    if (!guard) throw new Error('access control used before start()');
    return guard;
  };
  return {
    async start(coordination) {
      const verifier = await createTicketVerifier({
        publicKeys: options.publicKeys,
        now: options.clock.now,
      });
      const watch = await coordination.watchRevocations((linkId) => {
        const closed = guard?.revoke(linkId) ?? 0;
        options.log.info('share link revoked', { linkId, closed });
      });
      revocations = watch;
      guard = createAuthGuard({
        verifier,
        isRevoked: (id) => watch.isRevoked(id),
        linkStatus: (id) => watch.status(id),
        clock: options.clock,
        ticketWaitMs: options.ticketWaitMs,
        maxUnauthenticatedBytes: options.maxUnauthenticatedBytes,
      });
      guard.start();
      options.log.info('access control on: clients need a ticket (P21)');
    },
    admit: (session, admitted) => required().admit(session, admitted),
    forget: (session) => guard?.forget(session),
    async stop() {
      guard?.stop();
      await revocations?.close();
    },
  };
}
