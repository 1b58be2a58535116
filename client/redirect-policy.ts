/** A cluster member a client knows of (from a route look-up, `GET /ring`, or its own view). */
export interface KnownMember {
  readonly id: string;
  readonly url: string;
  readonly state?: string;
}

/**
 * Whether `owner` at (normalised ws base) `url` is a member this client may be sent to.
 * See {@link knownIn} for the usual one over a member list.
 */
export type MemberLookup = (owner: string, url: string) => boolean;

/** A {@link MemberLookup} over a member list: the id must be listed with that very URL. */
export function knownIn(members: readonly KnownMember[]): MemberLookup {
  return (owner, url) => members.some((m) => m.id === owner && normalizeMemberUrl(m.url) === url);
}

/** What to do with a REDIRECT (DESIGN C2, C3). */
export type RedirectDecision =
  /** Connect to `url` at once. */
  | { readonly kind: 'follow'; readonly url: string; readonly owner: string }
  /** The target is not a member we know: refresh the member list, then decide again. */
  | { readonly kind: 'refresh'; readonly reason: string }
  /** Too many hops (or still unknown after a refresh): back off, then start over from the route. */
  | { readonly kind: 'back-off'; readonly reason: string };

/** Limits of a {@link RedirectPolicy}. */
export interface RedirectPolicyOptions {
  /** Redirects followed in a row before backing off (default 5, DESIGN C3). */
  readonly maxHops?: number;
}

/**
 * Redirect bookkeeping for one client (DESIGN C3, PROTOCOL.md P11). Only URLs of known
 * members are followed (a node cannot send the client to an arbitrary host), at most
 * `maxHops` in a row: the connection resets the count whenever a socket syncs or closes for
 * any reason other than a redirect.
 */
export interface RedirectPolicy {
  /**
   * Decides on a redirect to `target`. `refreshed` says the member list was just re-fetched
   * for this redirect (an unknown target then backs off instead of refreshing again).
   */
  decide(
    target: { owner: string; url: string },
    known: MemberLookup,
    refreshed: boolean,
  ): RedirectDecision;
  /** Redirects followed since the last reset. */
  readonly hops: number;
  /** Call once a connection has synced, or after backing off. */
  reset(): void;
}

const WS_SCHEME: Record<string, string> = {
  'ws:': 'ws:',
  'wss:': 'wss:',
  'http:': 'ws:',
  'https:': 'wss:',
};

/**
 * Normalises a member URL to the WebSocket base clients connect to: `http(s)` becomes
 * `ws(s)`, no trailing slash. `null` for anything else (not a URL, another scheme).
 */
export function normalizeMemberUrl(url: string): string | null {
  try {
    const u = new URL(url);
    const scheme = WS_SCHEME[u.protocol];
    if (scheme === undefined) return null;
    return `${scheme}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** Creates a policy; see {@link RedirectPolicy}. Never throws. */
export function createRedirectPolicy(options: RedirectPolicyOptions = {}): RedirectPolicy {
  const maxHops = options.maxHops ?? 5;
  let hops = 0;
  return {
    decide(target, known, refreshed) {
      if (hops >= maxHops) {
        return { kind: 'back-off', reason: `more than ${maxHops} redirects in a row` };
      }
      const wanted = normalizeMemberUrl(target.url);
      if (wanted === null || !known(target.owner, wanted)) {
        return refreshed
          ? { kind: 'back-off', reason: `redirect to unknown member ${target.owner} ${target.url}` }
          : { kind: 'refresh', reason: `redirect to unknown member ${target.owner} ${target.url}` };
      }
      hops++;
      return { kind: 'follow', url: wanted, owner: target.owner };
    },
    get hops() {
      return hops;
    },
    reset() {
      hops = 0;
    },
  };
}
