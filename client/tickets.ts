import type { Permission } from '../server/protocol/index.ts';
import type { Cancel, Clock } from './clock.ts';

/** An access ticket (PROTOCOL.md P21): sent first on every socket and renewed before `expiresAt`. */
export interface TicketGrant {
  readonly ticket: string;
  readonly perm: Permission;
  /** Expiry on the client's {@link Clock} (ms since the epoch for the system clock). */
  readonly expiresAt: number;
}

/** The ticket source's verdict that access is gone for good (revoked or unknown link). */
export class AccessDenied extends Error {
  override readonly name = 'AccessDenied';
}

/**
 * Where tickets come from: resolves `null` when access control is off; rejects with
 * {@link AccessDenied} when access is gone (the client stops) or with any other error (worth
 * retrying).
 */
export type TicketSource = () => Promise<TicketGrant | null>;

/** How a ticket request ended. */
export type TicketOutcome = 'ok' | 'denied' | 'failed';

/** Where tickets come from and when they are fetched again. */
export interface TicketKeeperOptions {
  readonly source: TicketSource;
  readonly clock: Clock;
  /** A ticket with less than this left is fetched anew before connecting (default 30 000 ms). */
  readonly freshMs?: number;
  /** Wait before retrying a failed renewal (default 5 000 ms). */
  readonly renewRetryMs?: number;
}

/** Callbacks of one renewal cycle (see {@link TicketKeeper.fetch}). */
export interface TicketEvents {
  /** A new grant arrived (also `null`: access control is off). */
  granted(grant: TicketGrant | null): void;
  /** The source said access is gone. */
  denied(error: AccessDenied): void;
  /** A renewal succeeded: hand the ticket to the open socket. */
  renewed(ticket: string): void;
  /** A request failed (will be retried). */
  failed(message: string): void;
  /** Whether renewals are still wanted (the client is connecting or connected). */
  active(): boolean;
}

/**
 * Holds a client's ticket and renews it at 80 % of its remaining life (at least 1 s), so a
 * long session never sees its ticket expire; a failed renewal is retried every
 * `renewRetryMs` (should the ticket lapse meanwhile the node closes with 4401 and the client
 * reconnects with a new one). Errors never escape: they become outcomes and callbacks.
 */
export interface TicketKeeper {
  /** The current grant, `null` before one (or with access control off). */
  readonly grant: TicketGrant | null;
  /** True when a grant exists with more than `freshMs` left. */
  isFresh(): boolean;
  /** Fetches a ticket now and (on success) schedules its renewal. */
  fetch(): Promise<TicketOutcome>;
  /** Drops the grant (the node refused it: 4401). */
  forget(): void;
  /** Cancels a scheduled renewal. */
  cancel(): void;
}

/** Creates a keeper reporting to `events`; see {@link TicketKeeper}. */
export function createTicketKeeper(
  options: TicketKeeperOptions,
  events: TicketEvents,
): TicketKeeper {
  const freshMs = options.freshMs ?? 30_000;
  const renewRetryMs = options.renewRetryMs ?? 5_000;
  let grant: TicketGrant | null = null;
  let renewal: Cancel | null = null;

  const cancel = () => {
    renewal?.();
    renewal = null;
  };
  const schedule = (ms: number) => {
    cancel();
    renewal = options.clock.after(ms, () => {
      renewal = null;
      void renew();
    });
  };
  const fetch = async (): Promise<TicketOutcome> => {
    try {
      grant = (await options.source()) ?? null;
      events.granted(grant);
      cancel();
      if (grant && events.active()) {
        schedule(Math.max(1000, Math.floor((grant.expiresAt - options.clock.now()) * 0.8)));
      }
      return 'ok';
    } catch (error) {
      if (error instanceof AccessDenied) {
        events.denied(error);
        return 'denied';
      }
      events.failed(`ticket request failed: ${(error as Error).message}`);
      return 'failed';
    }
  };
  const renew = async () => {
    if (!events.active()) return;
    const outcome = await fetch();
    if (outcome === 'denied' || !events.active()) return;
    if (outcome === 'failed') {
      schedule(renewRetryMs);
      return;
    }
    if (grant) events.renewed(grant.ticket);
  };
  return {
    get grant() {
      return grant;
    },
    isFresh: () => grant !== null && grant.expiresAt - options.clock.now() > freshMs,
    fetch,
    forget() {
      grant = null;
    },
    cancel,
  };
}
